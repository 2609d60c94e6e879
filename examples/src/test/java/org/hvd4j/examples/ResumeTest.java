package org.hvd4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.hvd4j.datasets.InMemoryDataset;
import org.hvd4j.nn.io.Checkpoint;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exact resume through the Trainer and RunState (what {@code train --checkpoint-dir --resume}
 * runs) on small synthetic data: a run interrupted at an epoch end or in the middle of an epoch
 * and resumed ends with the weights, bit for bit, of the run that was never interrupted.
 */
class ResumeTest {
    @TempDir
    Path tmp;

    private static final InMemoryDataset TRAIN = TrainTest.blobs(320, 1); // batch 32: 10 steps per epoch
    private static final InMemoryDataset TEST = TrainTest.blobs(100, 2);

    static TrainConfig config(String model, String optimizer, String schedule, int epochs, int steps) {
        return new TrainConfig(model, epochs, steps, 32, optimizer, optimizer.equals("sgd") ? 0.05f : 1e-3f, 0.9f,
                1e-4f, schedule, 1, 0f, 0, 42, 0, true, null, false, null, 2).validate();
    }

    private static StateOptions opts(Path dir, int every, boolean resume) {
        StateOptions o = new StateOptions();
        o.checkpointDir = dir;
        o.checkpointEverySteps = every;
        o.keepCheckpoints = 100;
        o.resume = resume;
        return o;
    }

    private static final PrintStream QUIET = new PrintStream(java.io.OutputStream.nullOutputStream());

    /** One `train` run: the trainer, RunState's loading and hooks, training; returns the weights' digest. */
    private static String run(TrainConfig cfg, StateOptions o, PrintStream out) {
        Trainer t = new Trainer(cfg, CpuBackend.get());
        RunState.prepare(o, cfg, t, null, out);
        return t.run(TRAIN, TEST, ProgressReporter.silent()).parametersSha256();
    }

    private List<Path> checkpoints(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** Straight run with checkpoints every 4 steps, then resumes from an epoch end and from mid-epoch. */
    private void resumesExactly(String model, String optimizer) throws Exception {
        TrainConfig cfg = config(model, optimizer, "cosine", 2, 0);
        Path straight = tmp.resolve(model + optimizer + "-straight");
        String expected = run(cfg, opts(straight, 4, false), QUIET);
        List<Path> written = checkpoints(straight);
        assertEquals(List.of("ckpt-epoch0000-step000004.h5", "ckpt-epoch0000-step000008.h5",
                "ckpt-epoch0001-step000010.h5", "ckpt-epoch0001-step000012.h5", "ckpt-epoch0001-step000016.h5",
                "ckpt-epoch0002-step000020.h5"), written.stream().map(p -> p.getFileName().toString()).toList());
        for (String from : new String[] {"ckpt-epoch0001-step000010.h5", "ckpt-epoch0001-step000016.h5",
            "ckpt-epoch0000-step000004.h5"}) {
            Path dir = tmp.resolve(model + optimizer + "-from-" + from);
            Files.createDirectories(dir);
            Files.copy(straight.resolve(from), dir.resolve(from));
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            String got = run(cfg, opts(dir, 4, true), new PrintStream(log, true, StandardCharsets.UTF_8));
            assertTrue(log.toString(StandardCharsets.UTF_8).startsWith("resume: from " + dir.resolve(from)), log.toString());
            assertEquals(expected, got, model + "/" + optimizer + " resumed from " + from);
            // the resumed run wrote the same later checkpoints, byte for byte in their tensors
            Checkpoint a = Checkpoint.read(straight.resolve("ckpt-epoch0002-step000020.h5"));
            Checkpoint b = Checkpoint.read(dir.resolve("ckpt-epoch0002-step000020.h5"));
            for (String n : a.weightNames()) {
                assertEquals(java.util.Arrays.toString(a.floats(n)), java.util.Arrays.toString(b.floats(n)), n);
            }
        }
        String fresh = run(config(model, optimizer, "cosine", 2, 0), opts(tmp.resolve(model + optimizer + "-x"), 0, false),
                QUIET);
        assertEquals(expected, fresh, "runs are deterministic to begin with");
    }

    @Test
    void sgdMomentumResumesBitIdenticallyFromEpochEndsAndMidEpoch() throws Exception {
        resumesExactly("mlp", "sgd");
    }

    @Test
    void adamResumesBitIdenticallyFromEpochEndsAndMidEpoch() throws Exception {
        resumesExactly("mlp", "adam");
    }

    @Test
    void cnnBnBuffersResumeBitIdentically() throws Exception {
        TrainConfig cfg = config("cnn-bn", "sgd", "cosine", 2, 0);
        InMemoryDataset small = TrainTest.blobs(96, 5); // 3 steps per epoch
        Path straight = tmp.resolve("bn");
        Trainer t = new Trainer(cfg, CpuBackend.get());
        RunState.prepare(opts(straight, 0, false), cfg, t, null, QUIET);
        String expected = t.run(small, TEST, ProgressReporter.silent()).parametersSha256();
        Files.delete(straight.resolve("ckpt-epoch0002-step000006.h5"));
        Trainer r = new Trainer(cfg, CpuBackend.get());
        RunState.prepare(opts(straight, 0, true), cfg, r, null, QUIET);
        assertEquals(expected, r.run(small, TEST, ProgressReporter.silent()).parametersSha256());
    }

    /** The words: 2 epochs straight = 1 epoch, stop, resume for 1 more (a schedule that does not depend on the length). */
    @Test
    void oneEpochThenResumeForOneMoreEqualsTwoEpochsStraight() throws Exception {
        String straight = run(config("mlp", "sgd", "constant", 2, 0), opts(tmp.resolve("a"), 0, false), QUIET);
        Path dir = tmp.resolve("b");
        String first = run(config("mlp", "sgd", "constant", 1, 0), opts(dir, 0, false), QUIET);
        assertNotEquals(straight, first);
        String resumed = run(config("mlp", "sgd", "constant", 2, 0), opts(dir, 0, true), QUIET);
        assertEquals(straight, resumed);
        // --steps: 15 steps, then resume to 20 = 20 straight (the steps' schedule over 20 is constant too)
        Path d2 = tmp.resolve("c");
        run(config("mlp", "sgd", "constant", 2, 15), opts(d2, 0, false), QUIET);
        assertEquals(List.of("ckpt-epoch0001-step000010.h5", "ckpt-epoch0001-step000015.h5"),
                checkpoints(d2).stream().map(p -> p.getFileName().toString()).toList());
        assertEquals(straight, run(config("mlp", "sgd", "constant", 2, 0), opts(d2, 0, true), QUIET));
    }

    @Test
    void resumeWithAnEmptyDirectoryStartsAfreshAndAResumeAtTheEndTrainsNothing() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Path dir = tmp.resolve("empty");
        String a = run(config("mlp", "sgd", "cosine", 1, 0), opts(dir, 0, true), new PrintStream(log, true,
                StandardCharsets.UTF_8));
        assertTrue(log.toString(StandardCharsets.UTF_8).startsWith("resume: no checkpoint in " + dir + " yet; starting afresh"));
        TrainConfig cfg = config("mlp", "sgd", "cosine", 1, 0);
        Trainer t = new Trainer(cfg, CpuBackend.get());
        RunState.prepare(opts(dir, 0, true), cfg, t, null, QUIET);
        TrainResult r = t.run(TRAIN, TEST, ProgressReporter.silent());
        assertEquals(a, r.parametersSha256());
        assertEquals(10, r.steps());
        assertTrue(r.epochs().isEmpty());
        assertTrue(r.testAccuracy() > 0.5);
    }
}
