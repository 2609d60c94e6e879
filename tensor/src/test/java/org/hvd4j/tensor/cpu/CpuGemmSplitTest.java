package org.hvd4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.hvd4j.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Products from {@link CpuGemm#SPLIT_MACS} multiply-adds up are split into blocks of rows or
 * columns of C over the threads; every block must land where one undivided call would have
 * written it, for each transpose combination, with offsets and wide leading dimensions.
 */
class CpuGemmSplitTest {
    private final int threadsBefore = CpuBackend.threads();

    @AfterEach
    void restoreThreads() {
        CpuBackend.setThreads(threadsBefore);
    }

    private static float[] run(int threads, boolean ta, boolean tb, int m, int n, int k, float[] a, float[] b) {
        CpuBackend.setThreads(threads);
        int lda = (ta ? m : k) + 3;
        int ldb = (tb ? k : n) + 5;
        int ldc = n + 2;
        Tensor at = KernelTestSupport.tensor(pad(a, ta ? k : m, ta ? m : k, lda, 7), 7 + (ta ? k : m) * lda);
        Tensor bt = KernelTestSupport.tensor(pad(b, tb ? n : k, tb ? k : n, ldb, 11), 11 + (tb ? n : k) * ldb);
        float[] cInit = new float[5 + m * ldc];
        java.util.Arrays.fill(cInit, 0.5f);
        Tensor ct = KernelTestSupport.tensor(cInit, cInit.length);
        KernelTestSupport.B.gemm(ta, tb, m, n, k, 1.5f, at, 7, lda, bt, 11, ldb, 0.25f, ct, 5, ldc);
        return ct.toFloatArray();
    }

    /** Lays out a rows×cols matrix with row stride ld after {@code offset} leading zeros. */
    private static float[] pad(float[] dense, int rows, int cols, int ld, int offset) {
        float[] out = new float[offset + rows * ld];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(dense, r * cols, out, offset + r * ld, cols);
        }
        return out;
    }

    private static void check(boolean ta, boolean tb, int m, int n, int k) {
        Random rng = new Random(m * 31L + n + k + (ta ? 1 : 0) + (tb ? 2 : 0));
        float[] a = KernelTestSupport.uniform(rng, m * k);
        float[] b = KernelTestSupport.uniform(rng, k * n);
        float[] single = run(1, ta, tb, m, n, k, a, b);
        float[] split = run(2, ta, tb, m, n, k, a, b);
        assertEquals(single.length, split.length);
        // each block is its own call over the same k-loop, so the sums are the same to rounding
        assertArrayEquals(single, split, 1e-3f, "ta=" + ta + " tb=" + tb + " " + m + "x" + n + "x" + k);
    }

    @Test
    void wideProductSplitsColumns() {
        check(false, false, 128, 1024, 520);  // 68 M multiply-adds, n > m
        check(false, true, 128, 1024, 520);
    }

    @Test
    void tallProductSplitsRows() {
        check(true, false, 1030, 256, 260);   // 68 M multiply-adds, m > n, odd row count
        check(true, true, 1030, 256, 260);
    }
}
