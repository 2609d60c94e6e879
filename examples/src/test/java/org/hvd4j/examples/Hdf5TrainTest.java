package org.hvd4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hvd4j.hdf5.ElementType;
import org.hvd4j.hdf5.H5File;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --dataset hdf5:...} end to end: files written by h5py in the layouts users bring
 * ({@code scripts/make_hdf5_layouts.py}), Fashion-MNIST converted by
 * {@code scripts/fashion_mnist_to_hdf5.py} against the IDX files, and bad data. The h5py parts
 * are skipped when {@code /usr/bin/python3} lacks h5py (Debian: python3-h5py).
 */
class Hdf5TrainTest {
    private static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path tmp;

    private static Path script(String name) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path s = p.resolve("scripts").resolve(name);
            if (Files.isRegularFile(s)) {
                return s;
            }
        }
        throw new IllegalStateException("scripts/" + name + " not found");
    }

    private static void python(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS) && p.exitValue() == 0, cmd + " failed:\n" + out);
    }

    private static void assumeH5py() throws InterruptedException {
        boolean ok;
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import h5py, numpy").redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            ok = p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            ok = false;
        }
        Assumptions.assumeTrue(ok, "/usr/bin/python3 cannot import h5py (Debian: apt-get install python3-h5py)");
    }

    private TrainCli.Run train(Path summary, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--summary-json", summary.toString(), "--threads", "1"));
        TrainCli.Run r = TrainCli.train(a.toArray(String[]::new));
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r.out() + r.err());
        return r;
    }

    @Test
    void everyH5pyLayoutTrainsToTheSameWeights() throws Exception {
        assumeH5py();
        Path d = tmp.resolve("layouts");
        python(script("make_hdf5_layouts.py").toString(), d.toString());
        String f = d + "/";
        Map<String, String[]> layouts = new LinkedHashMap<>();
        layouts.put("flat uint8, int64 labels", new String[] {"--dataset", "hdf5:" + f + "flat.h5", "--x", "/x",
            "--y", "/y", "--test-x", "/test_x", "--test-y", "/test_y"});
        layouts.put("groups, chunked + gzip, int32 labels", new String[] {"--dataset", "hdf5:" + f + "grouped_gzip.h5",
            "--x", "/train/images", "--y", "/train/labels", "--test-x", "/test/images", "--test-y", "/test/labels"});
        layouts.put("the same, streamed", new String[] {"--dataset", "hdf5:" + f + "grouped_gzip.h5", "--x",
            "train/images", "--y", "train/labels", "--test-x", "test/images", "--test-y", "test/labels",
            "--data-memory", "0"});
        layouts.put("nchw float32, [N,1] int32 labels, test file", new String[] {"--dataset", "hdf5:" + f + "nchw_f32.h5",
            "--x", "/x", "--y", "/y", "--test-dataset", "hdf5:" + f + "nchw_f32_test.h5"});
        layouts.put("nhwc float64, uint8 labels", new String[] {"--dataset", "hdf5:" + f + "nhwc_f64.h5", "--x", "/x",
            "--y", "/y", "--test-x", "/test_x", "--test-y", "/test_y", "--layout", "nhwc"});
        layouts.put("int16, normalised like uint8", new String[] {"--dataset", "hdf5:" + f + "int16.h5", "--x", "/x",
            "--y", "/y", "--test-x", "/test_x", "--test-y", "/test_y", "--normalize", "fashion-mnist"});
        for (String model : new String[] {"mlp", "cnn"}) {
            String digest = null;
            String accuracy = null;
            for (Map.Entry<String, String[]> e : layouts.entrySet()) {
                Path s = tmp.resolve(model + "-" + e.getKey().replaceAll("\\W+", "_") + ".json");
                List<String> a = new ArrayList<>(List.of("--model", model, "--batch-size", "64", "--steps",
                        model.equals("mlp") ? "12" : "3", "--lr-schedule", "constant"));
                a.addAll(List.of(e.getValue()));
                TrainCli.Run r = train(s, a.toArray(String[]::new));
                assertTrue(r.out().contains("data: train "), r.out());
                if (digest == null) {
                    digest = TrainCli.json(s, "parameters_sha256");
                    accuracy = TrainCli.json(s, "test_accuracy");
                } else {
                    assertEquals(digest, TrainCli.json(s, "parameters_sha256"), model + ", " + e.getKey());
                    assertEquals(accuracy, TrainCli.json(s, "test_accuracy"), model + ", " + e.getKey());
                }
            }
            if (model.equals("mlp")) {
                // the classes are easy: 12 steps must have learnt something
                assertTrue(Double.parseDouble(accuracy) > 0.5, "mlp test accuracy " + accuracy);
            }
        }
    }

    @Test
    void fashionMnistFromHdf5GivesTheIdxRunsWeightsAndAccuracy() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(FASHION), "dataset-fashion-mnist not installed");
        assumeH5py();
        Path plain = tmp.resolve("fm.h5");
        Path packed = tmp.resolve("fm-gzip.h5");
        python(script("fashion_mnist_to_hdf5.py").toString(), plain.toString());
        python(script("fashion_mnist_to_hdf5.py").toString(), packed.toString(), "--chunk-rows", "500", "--gzip", "4");
        String[] common = {"--model", "mlp", "--steps", "150", "--no-download"};
        String[] names = {"--x", "/train/images", "--y", "/train/labels", "--test-x", "/test/images", "--test-y",
            "/test/labels"};
        Path idx = tmp.resolve("idx.json");
        train(idx, common);
        for (String[] extra : new String[][] {{"--dataset", "hdf5:" + plain}, {"--dataset", "hdf5:" + packed,
            "--data-memory", "16M"}}) {
            Path s = tmp.resolve("h5.json");
            List<String> a = new ArrayList<>(List.of(common));
            a.addAll(List.of(names));
            a.addAll(List.of(extra));
            TrainCli.Run r = train(s, a.toArray(String[]::new));
            if (extra.length > 2) { // 16 MiB holds neither split: both stream
                assertTrue(r.out().contains("streamed from the file"), r.out());
                assertFalse(r.out().contains("held in memory"), r.out());
            }
            for (String key : new String[] {"parameters_sha256", "test_accuracy", "test_loss"}) {
                assertEquals(TrainCli.json(idx, key), TrainCli.json(s, key), key + " " + String.join(" ", extra));
            }
        }
    }

    @Test
    void aSplitLargerThanTheHeapStreamsAndTrainsToTheSameWeights() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(FASHION), "dataset-fashion-mnist not installed");
        assumeH5py();
        Path h5 = tmp.resolve("fm.h5");
        python(script("fashion_mnist_to_hdf5.py").toString(), h5.toString());
        Path idx = tmp.resolve("idx.json");
        train(idx, "--model", "mlp", "--steps", "30", "--no-download");
        // 60,000 x 784 float32 features are 179 MiB: a 64 MiB heap cannot hold them, so the
        // default 1 GiB budget must give way to streaming instead of an OutOfMemoryError
        Path s = tmp.resolve("small-heap.json");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                Train.class.getName(), "--model", "mlp", "--steps", "30", "--threads", "1", "--dataset", "hdf5:" + h5,
                "--x", "/train/images", "--y", "/train/labels", "--test-x", "/test/images", "--test-y", "/test/labels",
                "--summary-json", s.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("data: streaming /train/images although its 179 MiB fit --data-memory"), out);
        assertEquals(TrainCli.json(idx, "parameters_sha256"), TrainCli.json(s, "parameters_sha256"));
    }

    private Path file(String name, long[] xDims, int badLabelAt) {
        Path p = tmp.resolve(name);
        int n = (int) xDims[0];
        int row = 1;
        for (int i = 1; i < xDims.length; i++) {
            row *= (int) xDims[i];
        }
        ByteBuffer x = ByteBuffer.allocateDirect(n * row).order(ByteOrder.nativeOrder());
        ByteBuffer y = ByteBuffer.allocateDirect(8 * n).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            y.putLong(i == badLabelAt ? 10 : i % 10);
        }
        try (H5File h = H5File.create(p)) {
            h.write("/data/x", ElementType.UINT8, xDims, x, null, 0);
            h.write("/data/y", ElementType.INT64, new long[] {n}, y.flip(), null, 0);
        }
        return p;
    }

    @Test
    void badDataExitsWithTwoNamingTheFileAndDatasetAndWritesNothing() throws Exception {
        Path good = file("good.h5", new long[] {20, 28, 28}, -1);
        Path badLabel = file("label.h5", new long[] {20, 784}, 13);
        Path wrongShape = file("shape.h5", new long[] {20, 3, 16, 16}, -1);
        Path channelsLast = file("nhwc.h5", new long[] {20, 28, 28, 1}, -1);
        Path summary = tmp.resolve("never.json");
        String[][] cases = {
            {"needs --x NAME and --y NAME", "--dataset", "hdf5:" + good},
            {"needs a test split", "--dataset", "hdf5:" + good, "--x", "/data/x", "--y", "/data/y"},
            {"--x applies to --dataset hdf5:PATH", "--x", "/data/x"},
            {tmp.resolve("none.h5") + ": no such file", "--dataset", "hdf5:" + tmp.resolve("none.h5"), "--x", "x",
                "--y", "y", "--test-x", "x"},
            {good + ": no dataset '/images'; the file has [/data/x, /data/y]", "--dataset", "hdf5:" + good, "--x",
                "/images", "--y", "/data/y", "--test-x", "/data/x"},
            {badLabel + ": dataset /data/y [20]: label 10 at index 13 is outside 0..9", "--dataset",
                "hdf5:" + badLabel, "--x", "/data/x", "--y", "/data/y", "--test-x", "/data/x"},
            {wrongShape + ": dataset /data/x gives samples of shape [3, 16, 16] (768 values); model mlp takes 784",
                "--dataset", "hdf5:" + wrongShape, "--x", "/data/x", "--y", "/data/y", "--test-x", "/data/x"},
            {"channels-last data needs --layout nhwc", "--model", "cnn", "--dataset", "hdf5:" + channelsLast, "--x",
                "/data/x", "--y", "/data/y", "--test-x", "/data/x"},
            {"--layout must be nchw or nhwc", "--dataset", "hdf5:" + good, "--x", "/data/x", "--y", "/data/y",
                "--test-x", "/data/x", "--layout", "hwc"},
        };
        for (String[] c : cases) {
            List<String> a = new ArrayList<>(List.of(c).subList(1, c.length));
            a.addAll(List.of("--steps", "1", "--summary-json", summary.toString()));
            TrainCli.Run r = TrainCli.train(a.toArray(String[]::new));
            assertEquals(2, r.code(), String.join(" ", a) + "\n" + r.err());
            assertTrue(r.err().contains(c[0]), "expected '" + c[0] + "' in:\n" + r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace:\n" + r.err());
            assertFalse(Files.exists(summary));
        }
        // the good file trains (its test split is its training split here: fine for the check)
        TrainCli.Run ok = TrainCli.train("--dataset", "hdf5:" + good, "--x", "/data/x", "--y", "/data/y", "--test-x",
                "/data/x", "--steps", "1", "--batch-size", "8", "--model", "cnn");
        assertEquals(0, ok.code(), ok.err());
    }
}
