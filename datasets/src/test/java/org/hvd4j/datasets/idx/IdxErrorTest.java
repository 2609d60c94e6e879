package org.hvd4j.datasets.idx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.hvd4j.datasets.DatasetException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed input gives a DatasetException naming the file and the problem. */
class IdxErrorTest {
    @TempDir
    Path dir;

    private static byte[] header(int magic, int... dims) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bos);
        out.writeInt(magic);
        for (int d : dims) {
            out.writeInt(d);
        }
        return bos.toByteArray();
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(b);
        }
        return bos.toByteArray();
    }

    private Path file(String name, byte[] content) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, content);
        return f;
    }

    /** Asserts the message names the file and contains every fragment; returns the exception. */
    private static DatasetException fails(Path f, Runnable r, String... fragments) {
        DatasetException e = assertThrows(DatasetException.class, r::run);
        String m = e.getMessage();
        assertTrue(m.contains(f.toString()), "message should name the file: " + m);
        for (String s : fragments) {
            assertTrue(m.contains(s), "message should contain '" + s + "': " + m);
        }
        assertEquals(2, e.exitCode());
        return e;
    }

    @Test
    void labelsReadAsImagesReportsBothMagics() throws IOException {
        Path f = file("train-labels", concat(header(0x801, 2), new byte[] {1, 2}));
        fails(f, () -> IdxReader.readImages(f), "bad magic number", "0x00000801", "0x00000803");
    }

    @Test
    void garbageMagicIsNotIdx() throws IOException {
        Path f = file("notes.txt", "hello world, not idx".getBytes());
        fails(f, () -> IdxReader.readLabels(f), "bad magic number 0x68656C6C", "expected 0x00000801",
                "not gzip");
    }

    @Test
    void unsupportedElementType() throws IOException {
        Path f = file("floats-idx3", concat(header(0x0D03, 1, 1, 1), new byte[4]));
        fails(f, () -> IdxReader.readImages(f), "unsupported element type 0x0D (float32)");
    }

    @Test
    void truncatedDataRaw() throws IOException {
        Path f = file("short-images", concat(header(0x803, 2, 3, 3), new byte[10]));
        fails(f, () -> IdxReader.readImages(f), "truncated", "2x3x3 = 18 bytes", "only 10 available");
    }

    @Test
    void truncatedDataGzip() throws IOException {
        byte[] pixels = new byte[10_000];
        new java.util.Random(3).nextBytes(pixels); // incompressible, so half the file is half the data
        byte[] full = gzip(concat(header(0x803, 100, 10, 10), pixels));
        Path f = file("cut.gz", Arrays.copyOf(full, full.length / 2));
        fails(f, () -> IdxReader.readImages(f), "truncated", "100x10x10 = 10000 bytes", "gzip stream is cut short");
        Path g = file("cut-early.gz", Arrays.copyOf(full, 12));
        fails(g, () -> IdxReader.readImages(g), "truncated");
    }

    @Test
    void gzipOfTooFewBytesIsTruncatedWithCounts() throws IOException {
        Path f = file("short.gz", gzip(concat(header(0x801, 50), new byte[20])));
        fails(f, () -> IdxReader.readLabels(f), "truncated", "50 bytes", "only 20 available");
    }

    @Test
    void truncatedHeader() throws IOException {
        Path f = file("half-header", concat(header(0x803, 2), new byte[] {0, 0}));
        fails(f, () -> IdxReader.readImages(f), "truncated header", "expected 12 bytes");
    }

    @Test
    void emptyFile() throws IOException {
        Path f = file("empty", new byte[0]);
        fails(f, () -> IdxReader.readLabels(f), "empty");
    }

    @Test
    void corruptGzip() throws IOException {
        Path f = file("bad.gz", new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7});
        fails(f, () -> IdxReader.readLabels(f), "gzip");
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("nope");
        fails(f, () -> IdxReader.readImages(f), "no such file");
    }

    @Test
    void absurdDimensions() throws IOException {
        Path f = file("huge", header(0x803, -1, 1000, 1000));
        fails(f, () -> IdxReader.readImages(f), "4294967295x1000x1000", "too large");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
