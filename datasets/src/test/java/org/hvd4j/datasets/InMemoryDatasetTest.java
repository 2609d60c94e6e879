package org.hvd4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.hvd4j.datasets.idx.IdxArray;
import org.hvd4j.datasets.idx.IdxWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InMemoryDatasetTest {
    @TempDir
    Path dir;

    @Test
    void normalizesPixels() {
        Path img = dir.resolve("img");
        Path lab = dir.resolve("lab.gz");
        IdxWriter.write(img, new IdxArray(new int[] {2, 1, 2}, new byte[] {0, (byte) 255, 51, 102}), false);
        IdxWriter.write(lab, new IdxArray(new int[] {2}, new byte[] {3, 1}), true);
        InMemoryDataset ds = InMemoryDataset.fromIdx(img, lab, 10, Normalization.FASHION_MNIST);
        assertEquals(2, ds.size());
        assertArrayEquals(new int[] {1, 1, 2}, ds.featureShape());
        assertEquals(2, ds.featureSize());
        assertEquals(10, ds.numClasses());
        float m = 0.2860f;
        float s = 0.3530f;
        float[] f = ds.features();
        assertEquals((0 - m) / s, f[0], 1e-6);
        assertEquals((1 - m) / s, f[1], 1e-6);
        assertEquals((0.2f - m) / s, f[2], 1e-6);
        assertEquals((0.4f - m) / s, f[3], 1e-6);
        float[] row = new float[3];
        ds.copyFeatures(1, row, 1);
        assertArrayEquals(new float[] {0, f[2], f[3]}, row);
        assertEquals(3, ds.label(0));
        assertEquals(1, ds.classCounts()[1]);
    }

    @Test
    void unitNormalizationScalesOnly() {
        assertEquals(1f, Normalization.UNIT.apply(255));
        assertEquals(0.5f, Normalization.UNIT.apply(255) / 2);
        assertThrows(IllegalArgumentException.class, () -> new Normalization(0, 0));
    }

    @Test
    void countMismatchNamesBothFiles() {
        Path img = dir.resolve("images-a");
        Path lab = dir.resolve("labels-b");
        IdxWriter.write(img, SyntheticIdx.images(5, 2, 1), false);
        IdxWriter.write(lab, SyntheticIdx.labels(4, 10), false);
        DatasetException e = assertThrows(DatasetException.class,
                () -> InMemoryDataset.fromIdx(img, lab, 10, Normalization.UNIT));
        assertTrue(e.getMessage().contains("count mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains(img + " has 5 images"), e.getMessage());
        assertTrue(e.getMessage().contains(lab + " has 4 labels"), e.getMessage());
    }

    @Test
    void labelOutOfRangeNamesFileAndIndex() {
        Path img = dir.resolve("images");
        Path lab = dir.resolve("labels");
        IdxWriter.write(img, SyntheticIdx.images(3, 2, 1), false);
        IdxWriter.write(lab, new IdxArray(new int[] {3}, new byte[] {1, 12, 0}), false);
        DatasetException e = assertThrows(DatasetException.class,
                () -> InMemoryDataset.fromIdx(img, lab, 10, Normalization.UNIT));
        assertTrue(e.getMessage().startsWith(lab + ": label 12 at index 1 is outside 0..9"), e.getMessage());
    }

    @Test
    void constructorChecksSizes() {
        assertThrows(IllegalArgumentException.class,
                () -> new InMemoryDataset(new float[5], new int[2], new int[] {2}, 3));
        assertThrows(IllegalArgumentException.class,
                () -> new InMemoryDataset(new float[4], new int[] {0, 3}, new int[] {2}, 3));
    }
}
