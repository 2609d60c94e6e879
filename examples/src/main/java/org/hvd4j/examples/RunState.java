package org.hvd4j.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.hvd4j.allreduce.HvdRuntime;
import org.hvd4j.allreduce.runtime.JsonText;
import org.hvd4j.datasets.Dataset;
import org.hvd4j.nn.io.Checkpoint;
import org.hvd4j.nn.io.CheckpointDir;
import org.hvd4j.nn.io.CheckpointException;
import org.hvd4j.nn.io.LoadReport;
import org.hvd4j.nn.io.TrainingState;

/**
 * What {@link StateOptions} asks of one run of {@code train}: before training, the weights of
 * {@code --resume} (the newest usable checkpoint: weights, buffers, optimizer state, position) or
 * of {@code --init-from} (weights only); during training, checkpoints at epoch ends and every N
 * steps; after it, {@code --save}; or, with {@code --eval-only}, one evaluation instead of training.
 *
 * <p>Only rank 0 reads and writes files. The other ranks get rank 0's weights, buffers and
 * optimizer state from the broadcast every run starts with, and its position from
 * {@link Trainer#run}'s broadcast, so they need not see rank 0's files.
 */
final class RunState implements TrainerHooks {
    private final StateOptions opts;
    private final TrainConfig cfg;
    private final Trainer trainer;
    private final boolean root;
    private final int ranks;
    private final PrintStream out;
    private final CheckpointDir dir;
    private String weightsFrom;
    private TrainingState last;

    private RunState(StateOptions opts, TrainConfig cfg, Trainer trainer, HvdRuntime rt, PrintStream out) {
        this.opts = opts;
        this.cfg = cfg;
        this.trainer = trainer;
        this.root = rt == null || rt.rank() == 0;
        this.ranks = rt == null ? 1 : rt.size();
        this.out = out;
        this.dir = opts.checkpointDir == null ? null : new CheckpointDir(opts.checkpointDir, opts.keepCheckpoints,
                root ? System.err : new PrintStream(java.io.OutputStream.nullOutputStream()));
    }

    /** Validates the options, loads what they name into {@code trainer} (rank 0), and installs the checkpoint hooks. */
    static RunState prepare(StateOptions opts, TrainConfig cfg, Trainer trainer, HvdRuntime rt, PrintStream out) {
        RunState s = new RunState(opts.validate(), cfg, trainer, rt, out);
        if (s.root) {
            s.load();
        }
        trainer.hooks(s);
        return s;
    }

    private void load() {
        if (dir != null && !opts.evalOnly) {
            dir.removeStaleTemporaries();
        }
        if (opts.resume) {
            Optional<CheckpointDir.Found> found = dir.newestValid(trainer.model(), trainer.optimizer());
            if (found.isPresent()) {
                TrainingState at = found.get().checkpoint().resume(trainer.model(), trainer.optimizer());
                trainer.startAt(at);
                weightsFrom = found.get().file().toString();
                out.printf(Locale.ROOT, "resume: from %s (epoch %d, step %d of it, global step %d)%n", weightsFrom,
                        at.epoch() + 1, at.stepInEpoch(), at.globalStep());
                for (String w : differences(at)) {
                    System.err.println("resume: warning: " + w);
                }
                return;
            }
            out.println("resume: no checkpoint in " + dir.dir() + " yet; starting "
                    + (opts.initFrom != null ? "from --init-from " + opts.initFrom : "afresh"));
        }
        if (opts.initFrom != null) {
            LoadReport r = Checkpoint.read(opts.initFrom).loadWeights(trainer.model(), !opts.initNonStrict);
            weightsFrom = opts.initFrom.toString();
            out.println("init: " + r.loaded().size() + " tensors from " + opts.initFrom
                    + (r.exact() ? "" : "; not loaded (they keep their initial values or are ignored): " + r.problems()));
        }
        if (opts.evalOnly && weightsFrom == null) {
            throw new CheckpointException("--eval-only: " + dir.dir() + " has no checkpoint and no --init-from was given");
        }
    }

    /** Where the resumed run differs from the one that wrote the checkpoint (then it is not an exact continuation). */
    private List<String> differences(TrainingState at) {
        List<String> w = new ArrayList<>();
        if (at.seed() != cfg.seed()) {
            w.add("the checkpoint's run used seed " + at.seed() + ", this one " + cfg.seed() + ": the data order differs");
        }
        if (at.batchSize() != cfg.batchSize() || at.ranks() != ranks) {
            w.add("the checkpoint's run used batch " + at.batchSize() + " on " + at.ranks() + " ranks, this one batch "
                    + cfg.batchSize() + " on " + ranks + ": epochs are cut into other batches");
        }
        if (at.shuffle() != cfg.shuffle()) {
            w.add("the checkpoint's run " + (at.shuffle() ? "shuffled" : "did not shuffle") + ", this one "
                    + (cfg.shuffle() ? "does" : "does not"));
        }
        if (!at.model().equals(cfg.model())) {
            w.add("the checkpoint is of model " + at.model() + ", this run trains " + cfg.model());
        }
        return w;
    }

    boolean evalOnly() {
        return opts.evalOnly;
    }

    @Override
    public void afterStep(TrainingState next) {
        if (dir != null && opts.checkpointEverySteps > 0 && next.globalStep() % opts.checkpointEverySteps == 0) {
            save(next);
        }
    }

    @Override
    public void afterEpoch(TrainingState next, EpochStats stats) {
        last = next;
        if (dir != null) {
            save(next);
        }
    }

    private void save(TrainingState at) {
        if (!root) {
            return;
        }
        long t0 = System.nanoTime();
        Path p = dir.save(trainer.model(), trainer.optimizer(), at);
        long bytes;
        try {
            bytes = Files.size(p);
        } catch (IOException e) {
            bytes = -1;
        }
        out.printf(Locale.ROOT, "checkpoint: %s (%.1f MB, %.2f s)%n", p, bytes / 1e6, (System.nanoTime() - t0) * 1e-9);
    }

    /** After training: {@code --save}. */
    void finish() {
        if (root && opts.save != null) {
            CheckpointDir.writeAtomically(opts.save, trainer.model(), null, last);
            out.println("saved: weights to " + opts.save);
        }
    }

    /** {@code --eval-only}: every rank evaluates its shard of rank 0's weights; rank 0 prints and writes JSON. */
    void evaluate(Dataset test, String dataset) throws IOException {
        double[] ev = trainer.evaluateOnly(test);
        String digest = ParameterDigest.of(trainer.model());
        out.printf(Locale.ROOT, "eval: test loss %.4f, test accuracy %.2f%% (%d samples), weights from %s%n", ev[0],
                100 * ev[1], test.size(), weightsFrom);
        if (root && cfg.summaryJson() != null) {
            SummaryJson.write(cfg.summaryJson(), String.format(Locale.ROOT,
                    "{\"mode\": \"eval\", \"model\": \"%s\", \"dataset\": %s, \"ranks\": %d, \"weights\": %s, "
                            + "\"test_samples\": %d, \"test_loss\": %.6g, \"test_accuracy\": %.6g, "
                            + "\"parameters_sha256\": \"%s\"}%n",
                    cfg.model(), JsonText.quote(dataset), ranks, JsonText.quote(weightsFrom), test.size(),
                    ev[0], ev[1], digest));
        }
    }
}
