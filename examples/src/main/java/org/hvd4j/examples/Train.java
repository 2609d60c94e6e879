package org.hvd4j.examples;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.hvd4j.allreduce.HvdException;
import org.hvd4j.allreduce.HvdRuntime;
import org.hvd4j.allreduce.JobConfig;
import org.hvd4j.allreduce.JobEnvironment;
import org.hvd4j.datasets.DatasetException;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.hvd4j.tensor.cuda.CudaBackend;
import org.hvd4j.tensor.cuda.Devices;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hvdrun train}: trains a built-in model on Fashion-MNIST and reports per-epoch metrics.
 * Options left out take the model's {@link Recipe}. Exit codes: 0 success, 2 bad options or bad
 * data (the message names the option or file), 1 anything else.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a built-in model (mlp, cnn, cnn-bn) on Fashion-MNIST.")
public final class Train implements Callable<Integer> {
    @Option(names = "--model", description = "mlp, cnn or cnn-bn (default: ${DEFAULT-VALUE})", defaultValue = "mlp")
    String model;

    @Option(names = "--dataset", description = "fashion-mnist, or hdf5:PATH with --x and --y (default: ${DEFAULT-VALUE})",
            defaultValue = "fashion-mnist")
    String dataset;

    @Option(names = "--epochs", description = "epochs (default: the model's recipe, 10)")
    Integer epochs;

    @Option(names = "--steps", description = "stop after this many optimizer steps in total (overrides --epochs)",
            defaultValue = "0")
    int steps;

    @Option(names = "--batch-size", description = "samples per step (default: ${DEFAULT-VALUE})", defaultValue = "128")
    int batchSize;

    @Option(names = "--optimizer", description = "sgd, adam or adamw (default: the recipe's)")
    String optimizer;

    @Option(names = "--lr", description = "base learning rate (default: the recipe's)")
    Float lr;

    @Option(names = "--momentum", description = "SGD momentum (default: the recipe's)")
    Float momentum;

    @Option(names = "--weight-decay", description = "weight decay (default: the recipe's)")
    Float weightDecay;

    @Option(names = "--lr-schedule", description = "constant, step or cosine (default: the recipe's)")
    String lrSchedule;

    @Option(names = "--warmup-epochs", description = "linear learning-rate warm-up epochs (default: the recipe's)")
    Double warmupEpochs;

    @Option(names = "--label-smoothing", description = "cross-entropy label smoothing (default: ${DEFAULT-VALUE})",
            defaultValue = "0")
    float labelSmoothing;

    @Option(names = "--clip-grad-norm", description = "clip gradients to this global norm, 0 = off (default: ${DEFAULT-VALUE})",
            defaultValue = "0")
    double clipGradNorm;

    @Option(names = "--seed", description = "seed of initialisation and shuffling (default: ${DEFAULT-VALUE})",
            defaultValue = "42")
    long seed;

    @Option(names = "--threads", description = "CPU threads, 0 = cores / local processes (default: ${DEFAULT-VALUE})",
            defaultValue = "0")
    int threads;

    @Option(names = "--no-shuffle", description = "visit training samples in file order")
    boolean noShuffle;

    @Option(names = "--data-dir", description = "directory with the Fashion-MNIST files (default: search "
            + "~/.hvd4j/data/fashion-mnist, /usr/share/datasets/fashion-mnist, then download)")
    Path dataDir;

    @Option(names = "--no-download", description = "never download the data set")
    boolean noDownload;

    @Option(names = "--summary-json", description = "write a one-object JSON summary to this file")
    Path summaryJson;

    @Option(names = "--prefetch", description = "batches prepared ahead by the loader thread; auto: "
            + Trainer.PREFETCH + ", or 0 (on the training thread) when the CPU ranks of this host leave no core free "
            + "for it and the data is in memory (default: ${DEFAULT-VALUE})", defaultValue = "auto")
    String prefetch;

    @Option(names = "--untimed-steps", description = "steps left out of the samples/s figure, from the run's "
            + "first (default: ${DEFAULT-VALUE}; about 1000 shows the mlp's steady state on a small host)",
            defaultValue = "" + Trainer.WARMUP_STEPS)
    int untimedSteps;

    @Option(names = "--lr-scaling", description = "linear: lr × number of ranks (Horovod's recipe); none "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "linear")
    String lrScaling;

    @Option(names = "--metrics-csv", paramLabel = "FILE", description = "write the per-epoch metrics as CSV "
            + "(rewritten after every epoch)")
    Path metricsCsv;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "draw the loss and accuracy curves "
            + "(redrawn after every epoch)")
    Path plot;

    @CommandLine.Mixin
    DeviceOptions devices = new DeviceOptions();

    @CommandLine.Mixin
    DataOptions data = new DataOptions();

    /** The backend of this run, open from {@link #call} until it returns. */
    private Backend backend;

    @CommandLine.Mixin
    StateOptions state = new StateOptions();

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Parses {@code args} and trains; returns the exit code. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Train());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof DatasetException de) {
                cmd.getErr().println("train: " + de.getMessage());
                return de.exitCode();
            }
            if (ex instanceof org.hvd4j.nn.io.CheckpointException ce) {
                cmd.getErr().println("train: " + ce.getMessage());
                return 2;
            }
            if (ex instanceof org.hvd4j.cuda.CudaException ce) { // no GPU, no driver, or a failed CUDA call
                cmd.getErr().println("train: " + ce.getMessage());
                return ce instanceof org.hvd4j.cuda.CudaUnavailableException ? 2 : 1;
            }
            if (ex instanceof HvdException he) {
                cmd.getErr().println("train: " + he.getMessage());
                return 1;
            }
            if (ex instanceof IllegalArgumentException) {
                cmd.getErr().println("train: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cli.execute(args);
    }

    /** {@code --prefetch}: a count, or {@code auto} ({@link TrainConfig#PREFETCH_AUTO}). */
    static int prefetchOption(String value) {
        if (value.equals("auto")) {
            return TrainConfig.PREFETCH_AUTO;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--prefetch must be auto or a number of batches, got '" + value + "'");
        }
    }

    /** The run's configuration: command-line values over the model's recipe. */
    TrainConfig config() {
        Recipe r = Recipe.of(model);
        return new TrainConfig(model, epochs != null ? epochs : r.epochs(), steps, batchSize,
                optimizer != null ? optimizer : r.optimizer(), lr != null ? lr : r.lr(),
                momentum != null ? momentum : r.momentum(), weightDecay != null ? weightDecay : r.weightDecay(),
                lrSchedule != null ? lrSchedule : r.lrSchedule(),
                warmupEpochs != null ? warmupEpochs : r.warmupEpochs(), labelSmoothing, clipGradNorm,
                seed, threads, !noShuffle, dataDir, !noDownload, summaryJson, prefetchOption(prefetch), lrScaling).validate();
    }

    @Override
    public Integer call() throws IOException {
        if (!org.hvd4j.nn.models.Models.NAMES.contains(model)) {
            throw new IllegalArgumentException("--model must be one of " + org.hvd4j.nn.models.Models.NAMES
                    + ", got '" + model + "'");
        }
        if (!dataset.equals("fashion-mnist") && !org.hvd4j.datasets.hdf5.Hdf5Source.isHdf5(dataset)) {
            throw new IllegalArgumentException("--dataset must be fashion-mnist or hdf5:PATH, got '" + dataset + "'");
        }
        data.validate(dataset);
        TrainConfig cfg = config();
        if (untimedSteps < 0) {
            throw new IllegalArgumentException("--untimed-steps must be >= 0, got " + untimedSteps);
        }
        if (cfg.threads() > 0) {
            CpuBackend.setThreads(cfg.threads());
        }
        JobConfig job = JobEnvironment.detect();
        HvdRuntime rt = job.ranks().size() > 1 ? HvdRuntime.start(job) : null;
        Backend backend = null;
        try {
            backend = devices.open(rt == null ? 0 : rt.localRank(), rt == null ? 1 : rt.localSize());
            this.backend = backend;
            boolean root = rt == null || rt.rank() == 0;
            PrintStream out = root ? System.out : new PrintStream(OutputStream.nullOutputStream());
            out.println(describe(cfg, rt, dataset, backend));
            // every rank reads the data (each takes its own shard); only rank 0 talks about it
            try (TrainingData data = TrainingData.load(dataset, this.data, cfg, out)) {
                train(cfg, rt, data, root, out);
            }
        } finally {
            if (rt != null) {
                rt.shutdown(); // first: the engine may still run device collectives on the backend's memory
            }
            if (backend instanceof CudaBackend cuda) {
                cuda.close();
            }
        }
        return 0;
    }

    /** Trains (or with --eval-only evaluates) on {@code data}; rank 0 prints and writes the summary. */
    private void train(TrainConfig cfg, HvdRuntime rt, TrainingData data, boolean root, PrintStream out)
            throws IOException {
        Trainer trainer = new Trainer(cfg, backend, rt);
        trainer.untimedSteps(untimedSteps);
        RunState run = RunState.prepare(state, cfg, trainer, rt, out); // --resume, --init-from, checkpoint hooks
        if (root && (metricsCsv != null || plot != null)) {
            trainer.hooks(TrainerHooks.both(trainer.hooks(), new MetricsLog(metricsCsv, plot,
                    cfg.model() + " on " + dataset.replaceFirst("^hdf5:.*/", "hdf5:"))));
        }
        if (run.evalOnly()) {
            run.evaluate(data.test(), dataset);
            return;
        }
        TrainResult result = trainer.run(data.train(), data.test(),
                root ? ProgressReporter.forStdout() : ProgressReporter.silent());
        out.printf(Locale.ROOT, "done: %d steps, test accuracy %.2f%%, test loss %.4f, %.0f samples/s, %.1f s%n",
                result.steps(), 100 * result.testAccuracy(), result.testLoss(), result.samplesPerSec(),
                result.wallSeconds());
        run.finish(); // --save
        if (root && cfg.summaryJson() != null) {
            SummaryJson.write(cfg.summaryJson(), SummaryJson.format(cfg, dataset, rt == null ? 1 : rt.size(), result));
        }
    }

    /** The configuration line every run logs first. */
    static String describe(TrainConfig c) {
        return describe(c, null, "fashion-mnist", CpuBackend.get());
    }

    static String describe(TrainConfig c, HvdRuntime rt, String dataset, Backend backend) {
        String ranks = rt == null ? "ranks 1" : "ranks " + rt.size() + " (" + rt.crossSize() + " hosts, transport "
                + rt.transport() + ")";
        return String.format(Locale.ROOT,
                "train: model %s, dataset %s, %s, device %s, threads %d, epochs %d, steps %s, batch %d%s, "
                        + "optimizer %s, lr %g%s, momentum %g, weight decay %g, schedule %s, warm-up %g, seed %d",
                c.model(), dataset, ranks, Devices.describe(backend), CpuBackend.threads(), c.epochs(),
                c.steps() > 0 ? c.steps() : "all",
                c.batchSize(), rt == null ? "" : " per rank", c.optimizer(), c.lr(),
                rt == null ? "" : " (scaling " + c.lrScaling() + ")", c.momentum(), c.weightDecay(), c.lrSchedule(),
                c.warmupEpochs(), c.seed());
    }
}
