package org.hvd4j.datasets.idx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxRoundTripTest {
    @TempDir
    Path dir;

    private static IdxArray images(int n, int rows, int cols, long seed) {
        byte[] data = new byte[n * rows * cols];
        new Random(seed).nextBytes(data);
        return new IdxArray(new int[] {n, rows, cols}, data);
    }

    @Test
    void rawImagesRoundTrip() {
        IdxArray a = images(5, 4, 3, 1);
        Path f = dir.resolve("imgs-idx3-ubyte");
        IdxWriter.write(f, a, false);
        IdxArray b = IdxReader.readImages(f);
        assertArrayEquals(new int[] {5, 4, 3}, b.dims());
        assertArrayEquals(a.data(), b.data());
        assertEquals(12, b.itemSize());
        assertEquals(IdxArray.MAGIC_IMAGES, b.magic());
    }

    @Test
    void gzipLabelsRoundTrip() throws Exception {
        byte[] labels = {0, 9, 3, (byte) 255, 7};
        Path f = dir.resolve("labels.gz");
        IdxWriter.write(f, new IdxArray(new int[] {5}, labels), true);
        assertEquals(0x1f, Files.readAllBytes(f)[0] & 0xFF);
        IdxArray b = IdxReader.readLabels(f);
        assertArrayEquals(labels, b.data());
        assertEquals(255, b.unsigned(3));
    }

    @Test
    void compressionDetectedByContentNotName() {
        IdxArray a = images(3, 2, 2, 2);
        Path gzWithoutSuffix = dir.resolve("plain-name");
        Path rawWithGzSuffix = dir.resolve("looks-compressed.gz");
        IdxWriter.write(gzWithoutSuffix, a, true);
        IdxWriter.write(rawWithGzSuffix, a, false);
        assertArrayEquals(a.data(), IdxReader.readImages(gzWithoutSuffix).data());
        assertArrayEquals(a.data(), IdxReader.readImages(rawWithGzSuffix).data());
    }

    @Test
    void genericReadAcceptsAnyRankAndEmptyArrays() {
        Path f = dir.resolve("two-dim");
        IdxWriter.write(f, new IdxArray(new int[] {0, 7}, new byte[0]), true);
        IdxArray b = IdxReader.read(f);
        assertArrayEquals(new int[] {0, 7}, b.dims());
        assertEquals(0x0802, b.magic());
    }

    @Test
    void trailingBytesAreIgnored() throws Exception {
        Path f = dir.resolve("trailing");
        IdxWriter.write(f, new IdxArray(new int[] {2}, new byte[] {1, 2}), false);
        Files.write(f, new byte[] {9, 9}, java.nio.file.StandardOpenOption.APPEND);
        assertArrayEquals(new byte[] {1, 2}, IdxReader.readLabels(f).data());
    }
}
