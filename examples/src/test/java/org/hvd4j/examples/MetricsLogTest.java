package org.hvd4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.hvd4j.hdf5.ElementType;
import org.hvd4j.hdf5.H5File;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --metrics-csv --plot}: one CSV row per epoch, matching the summary, and a PNG of the curves. */
class MetricsLogTest {
    @TempDir
    Path tmp;

    /** 96 samples of 784 pixels, class i % 10 bright in band i % 10: learnable in a few steps. */
    private Path data() {
        int n = 96;
        ByteBuffer x = ByteBuffer.allocateDirect(n * 784);
        ByteBuffer y = ByteBuffer.allocateDirect(8 * n).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 784; k++) {
                x.put((byte) (k / 78 == i % 10 ? 220 : (i * 31 + k * 7) % 40));
            }
            y.putLong(i % 10);
        }
        Path p = tmp.resolve("tiny.h5");
        try (H5File h = H5File.create(p)) {
            h.write("/x", ElementType.UINT8, new long[] {n, 784}, x.flip(), null, 0);
            h.write("/y", ElementType.INT64, new long[] {n}, y.flip(), null, 0);
        }
        return p;
    }

    @Test
    void everyEpochIsARowAndTheCurvesArePlotted() throws Exception {
        Path csv = tmp.resolve("m.csv");
        Path png = tmp.resolve("plots/m.png");
        Path json = tmp.resolve("s.json");
        TrainCli.Run r = TrainCli.train("--dataset", "hdf5:" + data(), "--x", "/x", "--y", "/y", "--test-x", "/x",
                "--test-y", "/y", "--epochs", "3", "--batch-size", "16", "--metrics-csv", csv.toString(), "--plot",
                png.toString(), "--summary-json", json.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(MetricsLog.HEADER, lines.get(0));
        assertEquals(4, lines.size(), String.join("\n", lines));
        for (int e = 1; e <= 3; e++) {
            String[] f = lines.get(e).split(",");
            assertEquals(8, f.length, lines.get(e));
            assertEquals(Integer.toString(e), f[0]);
            assertEquals("6", f[1]); // 96 samples / batch 16
        }
        String[] last = lines.get(3).split(",");
        assertEquals(Double.parseDouble(TrainCli.json(json, "test_accuracy")), Double.parseDouble(last[5]), 1e-6);
        assertEquals(Double.parseDouble(TrainCli.json(json, "test_loss")), Double.parseDouble(last[4]), 1e-5);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(1280, img.getWidth());
        assertEquals(420, img.getHeight());
        // not blank: the curves and axes put more than a few colours into it
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int px = 0; px < img.getWidth(); px += 7) {
            for (int py = 0; py < img.getHeight(); py += 7) {
                colours.add(img.getRGB(px, py));
            }
        }
        assertTrue(colours.size() > 10, colours.size() + " colours");
        try (var s = Files.list(png.getParent())) {
            assertEquals(List.of(png), s.toList(), "no temporary file left");
        }
    }
}
