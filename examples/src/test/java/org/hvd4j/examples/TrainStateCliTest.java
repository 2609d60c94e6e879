package org.hvd4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train}'s checkpoint options end to end on the real Fashion-MNIST (skipped without it). */
class TrainStateCliTest {
    private static TrainCli.Run train(String... args) {
        return TrainCli.train(args);
    }

    private static String json(Path f, String key) throws Exception {
        return TrainCli.json(f, key);
    }

    @TempDir
    Path tmp;

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void checkpointsResumeWithFallbackEvalOnlyAndSave() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/usr/share/datasets/fashion-mnist")),
                "dataset-fashion-mnist not installed");
        String[] common = {"--model", "mlp", "--epochs", "2", "--batch-size", "1000", "--no-download"};
        Path d1 = tmp.resolve("ckpt");
        Path s1 = tmp.resolve("straight.json");
        Path saved = tmp.resolve("final.h5");
        TrainCli.Run a = train(concat(common, "--checkpoint-dir", d1.toString(), "--checkpoint-every-steps", "45",
                "--keep-checkpoints", "3", "--summary-json", s1.toString(), "--save", saved.toString()));
        assertEquals(0, a.code(), a.err());
        // 60 steps per epoch: every 45 steps and at epoch ends, the last 3 kept
        assertEquals(List.of("ckpt-epoch0001-step000060.h5", "ckpt-epoch0001-step000090.h5",
                "ckpt-epoch0002-step000120.h5"), names(d1));
        assertTrue(a.out().contains("checkpoint: " + d1.resolve("ckpt-epoch0001-step000090.h5")), a.out());
        assertTrue(a.out().contains("saved: weights to " + saved), a.out());

        // resume mid-epoch (step 90) after the newest checkpoint was cut short by a "crash"
        Path d2 = tmp.resolve("resume");
        Files.createDirectories(d2);
        Files.copy(d1.resolve("ckpt-epoch0001-step000090.h5"), d2.resolve("ckpt-epoch0001-step000090.h5"));
        byte[] newest = Files.readAllBytes(d1.resolve("ckpt-epoch0002-step000120.h5"));
        Files.write(d2.resolve("ckpt-epoch0001-step000100.h5"), Arrays.copyOf(newest, newest.length / 3));
        Path s2 = tmp.resolve("resumed.json");
        TrainCli.Run b = train(concat(common, "--checkpoint-dir", d2.toString(), "--resume", "--summary-json", s2.toString()));
        assertEquals(0, b.code(), b.err());
        assertTrue(b.err().contains("resume: skipping a damaged or unusable checkpoint: "
                + d2.resolve("ckpt-epoch0001-step000100.h5")), b.err());
        assertTrue(b.err().contains("resume: falling back to " + d2.resolve("ckpt-epoch0001-step000090.h5")), b.err());
        assertTrue(b.out().contains("resume: from " + d2.resolve("ckpt-epoch0001-step000090.h5")
                + " (epoch 2, step 30 of it, global step 90)"), b.out());
        assertEquals(json(s1, "parameters_sha256"), json(s2, "parameters_sha256"));

        // --eval-only on the --save file: the final weights' accuracy and digest, nothing trained
        Path e = tmp.resolve("eval.json");
        TrainCli.Run c = train("--model", "mlp", "--no-download", "--eval-only", "--init-from", saved.toString(),
                "--summary-json", e.toString());
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("eval: test loss "), c.out());
        assertEquals("eval", json(e, "mode"));
        assertEquals("10000", json(e, "test_samples"));
        assertEquals(json(s1, "test_accuracy"), json(e, "test_accuracy"));
        assertEquals(json(s1, "test_loss"), json(e, "test_loss"));
        assertEquals(json(s1, "parameters_sha256"), json(e, "parameters_sha256"));

        // strict: a checkpoint of another model is refused, naming what does not fit
        TrainCli.Run d = train("--model", "cnn", "--no-download", "--eval-only", "--init-from", saved.toString());
        assertEquals(2, d.code());
        assertTrue(d.err().startsWith("train: " + saved + ": the weights do not fit the model (strict loading): "
                + "missing in the file: [conv1.weight, conv1.bias, conv2.weight, conv2.bias]; unexpected (not in the model): "
                + "[fc3.bias, fc3.weight]; shape mismatch: [fc1.weight: file [512, 784] vs model [1024, 3136]"), d.err());
        TrainCli.Run n = train("--model", "cnn", "--no-download", "--steps", "1", "--init-from", saved.toString(),
                "--init-non-strict");
        assertEquals(0, n.code(), n.err());
        assertTrue(n.out().contains("init: 0 tensors from " + saved + "; not loaded"), n.out());
    }

    @Test
    void optionCombinationsThatCannotWorkExitTwo() {
        TrainCli.Run r = train("--eval-only");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--eval-only needs weights"), r.err());
        assertEquals(2, train("--resume").code());
        assertEquals(2, train("--checkpoint-every-steps", "5").code());
        assertEquals(2, train("--checkpoint-dir", "x", "--keep-checkpoints", "0").code());
        TrainCli.Run m = train("--no-download", "--init-from", "/nonexistent/w.h5", "--steps", "1");
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/usr/share/datasets/fashion-mnist")));
        assertEquals(2, m.code());
        assertTrue(m.err().contains("/nonexistent/w.h5: no such file"), m.err());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
