package org.hvd4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hvd4j.datasets.InMemoryDataset;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainTest {

    /** Two separable Gaussian blobs per class in 784-D: any working trainer fits them quickly. */
    static InMemoryDataset blobs(int n, long seed) {
        Random r = new Random(seed);
        float[][] centers = new float[10][784];
        Random rc = new Random(7);
        for (float[] c : centers) {
            for (int j = 0; j < c.length; j++) {
                c[j] = (float) rc.nextGaussian();
            }
        }
        float[] x = new float[n * 784];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 10;
            for (int j = 0; j < 784; j++) {
                x[i * 784 + j] = centers[y[i]][j] + 2f * (float) r.nextGaussian();
            }
        }
        return new InMemoryDataset(x, y, new int[] {1, 28, 28}, 10);
    }

    static TrainConfig config(String model, int epochs, int steps) {
        return new TrainConfig(model, epochs, steps, 32, "sgd", 0.05f, 0.9f, 0f, "constant", 0, 0f, 0, 1, 0,
                true, null, false, null, 2).validate();
    }

    @Test
    void mlpLearnsSeparableData() {
        Trainer t = new Trainer(config("mlp", 2, 0), CpuBackend.get());
        TrainResult r = t.run(blobs(640, 1), blobs(200, 2), ProgressReporter.silent());
        assertEquals(2, r.epochs().size());
        assertEquals(40, r.steps());
        assertTrue(r.testAccuracy() > 0.95, "accuracy " + r.testAccuracy());
        assertTrue(r.epochs().get(1).trainLoss() < r.epochs().get(0).trainLoss());
    }

    @Test
    void cnnBnRunsAndLearns() {
        Trainer t = new Trainer(config("cnn-bn", 2, 0), CpuBackend.get());
        TrainResult r = t.run(blobs(416, 3), blobs(100, 4), ProgressReporter.silent());
        assertEquals(26, r.steps());
        assertTrue(r.epochs().get(1).trainLoss() < r.epochs().get(0).trainLoss(), r.epochs().toString());
        assertTrue(r.testAccuracy() > 0.2, "accuracy " + r.testAccuracy() + " (chance is 0.1)");
    }

    @Test
    void sameSeedGivesIdenticalRuns() {
        double[] acc = new double[2];
        double[] loss = new double[2];
        for (int i = 0; i < 2; i++) {
            Trainer t = new Trainer(config("mlp", 1, 0), CpuBackend.get());
            TrainResult r = t.run(blobs(320, 1), blobs(100, 2), ProgressReporter.silent());
            acc[i] = r.testAccuracy();
            loss[i] = r.testLoss();
        }
        assertEquals(acc[0], acc[1]);
        assertEquals(loss[0], loss[1]);
    }

    @Test
    void stepsStopMidEpochAndCountWarmupOut() {
        Trainer t = new Trainer(config("mlp", 5, 30), CpuBackend.get());
        TrainResult r = t.run(blobs(640, 1), blobs(100, 2), ProgressReporter.silent());
        assertEquals(30, r.steps());
        assertEquals(2, r.epochs().size()); // 20 steps per epoch: one full epoch and 10 steps
        assertEquals(10, r.epochs().get(1).steps());
        assertTrue(r.samplesPerSec() > 0);
        // every step left out of the timing: no throughput figure, and the same training
        Trainer untimed = new Trainer(config("mlp", 5, 30), CpuBackend.get());
        untimed.untimedSteps(30);
        TrainResult u = untimed.run(blobs(640, 1), blobs(100, 2), ProgressReporter.silent());
        assertTrue(Double.isNaN(u.samplesPerSec()), "samples/s " + u.samplesPerSec());
        assertEquals(r.parametersSha256(), u.parametersSha256());
    }

    @Test
    void plainLinePerEpochWhenNotATerminal() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressReporter p = new ProgressReporter(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        new Trainer(config("mlp", 2, 0), CpuBackend.get()).run(blobs(320, 1), blobs(100, 2), p);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(2, out.lines().count(), out);
        assertTrue(out.startsWith("epoch 1: train loss "), out);
        assertTrue(!out.contains("\r"), "no carriage returns in a log: " + out);
    }

    @Test
    void badOptionsExitWithTwoAndNameTheOption() {
        assertEquals(2, Train.run("--model", "resnet"));
        assertEquals(2, Train.run("--batch-size", "0"));
        assertEquals(2, Train.run("--lr", "-1"));
        assertEquals(2, Train.run("--optimizer", "rmsprop"));
        assertEquals(2, Train.run("--no-such-option"));
        assertEquals(2, Train.run("--prefetch", "some"));
        assertEquals(2, Train.run("--prefetch", "-2"));
        assertEquals(2, Train.run("--untimed-steps", "-1"));
    }

    @Test
    void prefetchAutoKeepsTheLoaderThreadOnlyWhereItHasACoreOrWaitsOnIo() {
        assertEquals(TrainConfig.PREFETCH_AUTO, Train.prefetchOption("auto"));
        assertEquals(0, Train.prefetchOption("0"));
        assertEquals(5, Train.prefetchOption("5"));
        assertEquals(Trainer.PREFETCH, Trainer.prefetchFor(true, 2, 1, 1), "one rank, a core to spare");
        assertEquals(0, Trainer.prefetchFor(true, 2, 2, 1), "two ranks of one thread take both cores");
        assertEquals(0, Trainer.prefetchFor(true, 4, 2, 2));
        assertEquals(Trainer.PREFETCH, Trainer.prefetchFor(true, 8, 2, 2));
        assertEquals(Trainer.PREFETCH, Trainer.prefetchFor(false, 2, 2, 1), "GPU ranks or streamed data");
    }

    @Test
    void missingDataDirIsExitTwoWithTheFileNamed(@TempDir Path dir) {
        PrintStream err = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Train.run("--data-dir", dir.toString(), "--steps", "1");
        } finally {
            System.setErr(err);
        }
        assertEquals(2, code);
        String msg = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(msg.contains(dir.toString()) && msg.contains("train-images-idx3-ubyte"), msg);
    }

    @Test
    void summaryJsonHasEveryKey(@TempDir Path dir) throws Exception {
        TrainConfig c = config("mlp", 1, 25);
        TrainResult r = new Trainer(c, CpuBackend.get()).run(blobs(960, 1), blobs(100, 2), ProgressReporter.silent());
        Path f = dir.resolve("out/summary.json");
        SummaryJson.write(f, SummaryJson.format(c, "blobs", 1, r));
        String json = Files.readString(f);
        for (String key : new String[] {"model", "dataset", "ranks", "epochs", "steps", "batch_size",
            "samples_per_s", "test_accuracy", "test_loss", "wall_s"}) {
            assertTrue(json.contains("\"" + key + "\": "), key + " missing in " + json);
        }
        Matcher m = Pattern.compile("\"steps\": (\\d+)").matcher(json);
        assertTrue(m.find());
        assertEquals("25", m.group(1));
    }

    @Test
    void realFashionMnistShortRunLearns() {
        Path sys = Path.of("/usr/share/datasets/fashion-mnist");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(sys), "dataset-fashion-mnist not installed");
        org.hvd4j.datasets.FashionMnist data = org.hvd4j.datasets.FashionMnist.load(null, false, null);
        TrainConfig c = new TrainConfig("mlp", 1, 200, 128, "sgd", 0.05f, 0.9f, 5e-4f, "cosine", 0, 0f, 0, 42, 0,
                true, null, false, null, 2).validate();
        TrainResult r = new Trainer(c, CpuBackend.get()).run(data.train(), data.test(), ProgressReporter.silent());
        assertTrue(r.testAccuracy() > 0.80, "accuracy after 200 steps: " + r.testAccuracy());
    }
}
