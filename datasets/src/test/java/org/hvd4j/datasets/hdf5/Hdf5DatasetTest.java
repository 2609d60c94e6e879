package org.hvd4j.datasets.hdf5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntBinaryOperator;
import org.hvd4j.datasets.DatasetException;
import org.hvd4j.datasets.Normalization;
import org.hvd4j.hdf5.ElementType;
import org.hvd4j.hdf5.H5File;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Hdf5DatasetTest {
    private static final long BIG = 1L << 30;
    private static final int N = 37;

    @TempDir
    Path dir;

    /** Sample i's k-th stored value (row-major in the file's row shape); fits every tested type. */
    private static int value(int i, int k) {
        return (i * 7 + k * 3) % 100;
    }

    private static ByteBuffer encode(ElementType t, int rows, int rowElements, IntBinaryOperator v) {
        ByteBuffer b = ByteBuffer.allocateDirect(rows * rowElements * t.bytes()).order(ByteOrder.nativeOrder());
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < rowElements; k++) {
                int x = v.applyAsInt(i, k);
                switch (t) {
                    case UINT8, INT8 -> b.put((byte) x);
                    case INT16, UINT16 -> b.putShort((short) x);
                    case INT32, UINT32 -> b.putInt(x);
                    case INT64, UINT64 -> b.putLong(x);
                    case FLOAT32 -> b.putFloat(x);
                    case FLOAT64 -> b.putDouble(x);
                    default -> throw new AssertionError(t);
                }
            }
        }
        return b.flip();
    }

    private Path write(String file, String xName, ElementType xt, long[] xDims, long[] chunk, int gzip,
            String yName, ElementType yt, long[] yDims, IntBinaryOperator xv, IntBinaryOperator yv) {
        Path p = dir.resolve(file);
        int rowElements = 1;
        for (int i = 1; i < xDims.length; i++) {
            rowElements *= (int) xDims[i];
        }
        try (H5File h = H5File.create(p)) {
            h.write(xName, xt, xDims, encode(xt, (int) xDims[0], rowElements, xv), chunk, gzip);
            h.write(yName, yt, yDims, encode(yt, (int) yDims[0], yDims.length > 1 ? (int) yDims[1] : 1, yv), null, 0);
        }
        return p;
    }

    private Path simple(String file, ElementType xt, long[] xDims) {
        return write(file, "/x", xt, xDims, null, 0, "/y", ElementType.INT64, new long[] {xDims[0]},
                Hdf5DatasetTest::value, (i, k) -> i % 10);
    }

    private static Hdf5Dataset open(Path p, Layout layout, FeatureNormalization norm, long budget) {
        return Hdf5Dataset.open(new Hdf5Source(p, "/x", "/y"), layout, norm, 10, budget);
    }

    private static float[] features(Hdf5Dataset d, int i) {
        float[] f = new float[d.featureSize()];
        d.copyFeatures(i, f, 0);
        return f;
    }

    @Test
    void everyFeatureTypeDecodesHeldAndStreamedAlike() {
        FeatureNormalization none = FeatureNormalization.parse("none");
        for (ElementType t : new ElementType[] {ElementType.UINT8, ElementType.INT8, ElementType.INT16,
            ElementType.UINT16, ElementType.FLOAT32, ElementType.FLOAT64}) {
            Path p = simple(t.numpyName() + ".h5", t, new long[] {N, 2, 3, 4});
            try (Hdf5Dataset held = open(p, Layout.NCHW, none, BIG); Hdf5Dataset streamed = open(p, Layout.NCHW, none, 0)) {
                assertTrue(held.inMemory(), t.numpyName());
                assertFalse(streamed.inMemory(), t.numpyName());
                assertArrayEquals(new int[] {2, 3, 4}, held.featureShape());
                assertEquals(N, held.size());
                // contiguous uint8 and float32 are mapped; the other types go through HDF5's conversion
                boolean mapped = t == ElementType.UINT8 || t == ElementType.FLOAT32;
                assertEquals(mapped, streamed.describe().endsWith("(mapped)"), streamed.describe());
                int[] idx = {3, 36, 3, 0, 20, 21, 22, 5};
                float[] a = new float[idx.length * 24];
                float[] b = new float[idx.length * 24];
                int[] la = new int[idx.length];
                int[] lb = new int[idx.length];
                held.copyBatch(idx, idx.length, a, la);
                streamed.copyBatch(idx, idx.length, b, lb);
                assertArrayEquals(a, b, t.numpyName());
                assertArrayEquals(la, lb, t.numpyName());
                for (int i = 0; i < N; i++) {
                    float[] expect = new float[24];
                    for (int k = 0; k < 24; k++) {
                        expect[k] = value(i, k);
                    }
                    assertArrayEquals(expect, features(held, i), t.numpyName() + " sample " + i);
                    assertArrayEquals(expect, features(streamed, i), t.numpyName() + " sample " + i);
                    assertEquals(i % 10, held.label(i));
                }
            }
        }
    }

    @Test
    void uint8DefaultsToTheIdxPathsNormalisationBitForBit() {
        Path p = simple("u8.h5", ElementType.UINT8, new long[] {N, 28, 28});
        try (Hdf5Dataset d = open(p, Layout.NCHW, FeatureNormalization.AUTO, BIG)) {
            assertArrayEquals(new int[] {1, 28, 28}, d.featureShape());
            float[] f = features(d, 5);
            for (int k = 0; k < f.length; k++) {
                assertEquals(Float.floatToIntBits(Normalization.FASHION_MNIST.apply(value(5, k))),
                        Float.floatToIntBits(f[k]));
            }
        }
        Path q = simple("f32.h5", ElementType.FLOAT32, new long[] {N, 784});
        try (Hdf5Dataset d = open(q, Layout.NCHW, FeatureNormalization.AUTO, BIG)) {
            assertArrayEquals(new int[] {784}, d.featureShape());
            assertEquals(value(3, 9), features(d, 3)[9]); // floats are taken as stored by default
        }
        try (Hdf5Dataset d = open(q, Layout.NCHW, FeatureNormalization.parse("0.5,2"), BIG)) {
            assertEquals((value(3, 9) - 0.5f) / 2f, features(d, 3)[9]);
        }
        try (Hdf5Dataset d = open(p, Layout.NCHW, FeatureNormalization.parse("unit"), BIG)) {
            assertEquals(value(3, 9) / 255f, features(d, 3)[9]);
        }
    }

    @Test
    void nhwcIsTransposedToChannelsFirst() {
        int h = 3;
        int w = 4;
        int c = 2;
        // stored [N, H, W, C]: element (i, y, x, ch) holds value(i, ch*H*W + y*W + x), its CHW index
        Path p = write("nhwc.h5", "/x", ElementType.FLOAT32, new long[] {N, h, w, c}, new long[] {8, h, w, c}, 0,
                "/y", ElementType.UINT8, new long[] {N}, (i, k) -> {
                    int ch = k % c;
                    int pix = k / c;
                    return value(i, ch * h * w + pix);
                }, (i, k) -> i % 10);
        for (long budget : new long[] {BIG, 0}) {
            try (Hdf5Dataset d = open(p, Layout.NHWC, FeatureNormalization.AUTO, budget)) {
                assertArrayEquals(new int[] {c, h, w}, d.featureShape());
                for (int i = 0; i < N; i++) {
                    float[] f = features(d, i);
                    for (int k = 0; k < f.length; k++) {
                        assertEquals(value(i, k), f[k], "sample " + i + " element " + k);
                    }
                }
            }
        }
        DatasetException e = assertThrows(DatasetException.class,
                () -> open(simple("flat.h5", ElementType.UINT8, new long[] {N, 784}), Layout.NHWC,
                        FeatureNormalization.AUTO, BIG));
        assertTrue(e.getMessage().contains("--layout nhwc needs features [N, H, W, C]"), e.getMessage());
    }

    @Test
    void chunkedGzipInGroupsStreamsBatchesInAnyOrderWithRepeats() {
        Path p = write("grouped.h5", "/train/images", ElementType.UINT8, new long[] {N, 1, 28, 28},
                new long[] {5, 1, 28, 28}, 6, "/train/labels", ElementType.INT32, new long[] {N, 1},
                Hdf5DatasetTest::value, (i, k) -> (i * 3) % 10);
        Hdf5Source src = new Hdf5Source(p, "/train/images", "train/labels");
        try (Hdf5Dataset held = Hdf5Dataset.open(src, Layout.NCHW, FeatureNormalization.AUTO, 10, BIG);
                Hdf5Dataset streamed = Hdf5Dataset.open(src, Layout.NCHW, FeatureNormalization.AUTO, 10, 0)) {
            assertFalse(streamed.inMemory());
            assertTrue(streamed.describe().contains("chunks [5, 1, 28, 28]"), streamed.describe());
            int[] idx = {36, 0, 7, 7, 12, 11, 10, 35, 0, 20};
            float[] a = new float[idx.length * 784];
            float[] b = new float[idx.length * 784];
            int[] la = new int[idx.length];
            int[] lb = new int[idx.length];
            held.copyBatch(idx, idx.length, a, la);
            streamed.copyBatch(idx, idx.length, b, lb);
            assertArrayEquals(a, b);
            assertArrayEquals(la, lb);
            for (int i = 0; i < idx.length; i++) {
                assertEquals((idx[i] * 3) % 10, lb[i]);
                assertEquals(Normalization.FASHION_MNIST.apply(value(idx[i], 100)), b[i * 784 + 100]);
            }
        }
    }

    @Test
    void badInputIsAnErrorNamingFileAndDataset() throws IOException {
        Path missing = dir.resolve("nope.h5");
        assertMessage(missing, "/x", "/y", missing + ": no such file");
        Path text = Files.writeString(dir.resolve("text.h5"), "not hdf5\n");
        assertMessage(text, "/x", "/y", "not an HDF5 file");
        Path ok = simple("ok.h5", ElementType.UINT8, new long[] {N, 4});
        assertMessage(ok, "/images", "/y", "no dataset '/images'; the file has [/x, /y]");
        assertMessage(ok, "/x", "/labels", "no dataset '/labels'; the file has [/x, /y]");
        Path unequal = write("unequal.h5", "/x", ElementType.UINT8, new long[] {N, 4}, null, 0, "/y",
                ElementType.INT64, new long[] {N - 1}, Hdf5DatasetTest::value, (i, k) -> 1);
        assertMessage(unequal, "/x", "/y", "features /x have 37 samples but labels /y have 36");
        Path wide = simple("wide.h5", ElementType.INT64, new long[] {N, 4});
        assertMessage(wide, "/x", "/y", "dataset /x [37, 4] holds int64, an unsupported feature type");
        Path floatLabels = write("fl.h5", "/x", ElementType.UINT8, new long[] {N, 4}, null, 0, "/y",
                ElementType.FLOAT32, new long[] {N}, Hdf5DatasetTest::value, (i, k) -> 1);
        assertMessage(floatLabels, "/x", "/y", "dataset /y [37] holds float32; labels must be integers");
        Path range = write("range.h5", "/x", ElementType.UINT8, new long[] {N, 4}, null, 0, "/y",
                ElementType.INT64, new long[] {N}, Hdf5DatasetTest::value, (i, k) -> i == 30 ? 10 : 2);
        assertMessage(range, "/x", "/y", "dataset /y [37]: label 10 at index 30 is outside 0..9");
        Path rank1 = write("rank1.h5", "/x", ElementType.UINT8, new long[] {N}, null, 0, "/y",
                ElementType.INT64, new long[] {N}, Hdf5DatasetTest::value, (i, k) -> 1);
        assertMessage(rank1, "/x", "/y", "has rank 1; features need one row per sample");
        Path labels2d = write("l2.h5", "/x", ElementType.UINT8, new long[] {N, 4}, null, 0, "/y",
                ElementType.INT64, new long[] {N, 2}, Hdf5DatasetTest::value, (i, k) -> 1);
        assertMessage(labels2d, "/x", "/y", "labels must have shape [N] or [N, 1]");
    }

    private static void assertMessage(Path file, String x, String y, String part) {
        DatasetException e = assertThrows(DatasetException.class, () -> Hdf5Dataset.open(new Hdf5Source(file, x, y),
                Layout.NCHW, FeatureNormalization.AUTO, 10, BIG).close());
        assertTrue(e.getMessage().contains(part), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertEquals(2, e.exitCode());
    }

    @Test
    void optionsParseStrictly() {
        assertEquals(512L << 20, DataMemory.parse("512M", "x"));
        assertEquals(3L << 30, DataMemory.parse("3g", "x"));
        assertEquals(1536, DataMemory.parse("1.5K", "x"));
        assertEquals(0, DataMemory.parse("0", "x"));
        assertThrows(IllegalArgumentException.class, () -> DataMemory.parse("lots", "x"));
        assertThrows(IllegalArgumentException.class, () -> DataMemory.parse("-1M", "x"));
        assertThrows(IllegalArgumentException.class, () -> FeatureNormalization.parse("0.5"));
        assertThrows(IllegalArgumentException.class, () -> FeatureNormalization.parse("0.5,0"));
        assertThrows(IllegalArgumentException.class, () -> Layout.parse("chw"));
        assertEquals(Layout.NHWC, Layout.parse("NHWC"));
        assertThrows(DatasetException.class, () -> Hdf5Source.parse("hdf5:", "/x", "/y"));
        DatasetException e = assertThrows(DatasetException.class, () -> Hdf5Source.parse("hdf5:a.h5", null, "/y"));
        assertTrue(e.getMessage().contains("--x NAME --y NAME"), e.getMessage());
    }
}
