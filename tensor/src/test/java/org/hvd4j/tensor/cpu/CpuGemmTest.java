package org.hvd4j.tensor.cpu;

import static org.hvd4j.tensor.cpu.KernelTestSupport.B;
import static org.hvd4j.tensor.cpu.KernelTestSupport.tensor;
import static org.hvd4j.tensor.cpu.KernelTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.hvd4j.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Row-major SGEMM through OpenBLAS against a double-precision triple loop, for every transpose
 * combination, with tensor offsets (a view that starts inside its storage), element offsets and
 * leading dimensions wider than the stored column count, so that a mix-up of rows/columns, lda or
 * offsets shows up as wrong numbers or as writes into the padding.
 */
class CpuGemmTest {

    @ParameterizedTest(name = "transA={0} transB={1} m={2} n={3} k={4}")
    @CsvSource({
        "false, false, 5, 7, 6", "false, true, 5, 7, 6", "true, false, 5, 7, 6", "true, true, 5, 7, 6",
        "false, false, 67, 45, 130", "false, true, 67, 45, 130", "true, false, 67, 45, 130",
        "true, true, 67, 45, 130", "true, false, 1, 9, 1", "false, true, 8, 1, 3"})
    void matchesReferenceWithOffsetsAndPaddedLeadingDimensions(boolean transA, boolean transB, int m, int n, int k) {
        Random rng = new Random(31L * m + 7L * n + k + (transA ? 1000 : 0) + (transB ? 2000 : 0));
        int aRows = transA ? k : m;
        int aCols = transA ? m : k;
        int bRows = transB ? n : k;
        int bCols = transB ? k : n;
        int lda = aCols + 3;
        int ldb = bCols + 1;
        int ldc = n + 2;
        // Stored matrices start 2 rows into the storage (a narrowed view: tensor offset) plus an
        // element offset of 1 (the gemm offset argument).
        Stored a = new Stored(rng, aRows, lda, 2, 1);
        Stored b = new Stored(rng, bRows, ldb, 2, 1);
        Stored c = new Stored(rng, m, ldc, 2, 1);
        float alpha = 1.5f;
        float beta = -0.5f;
        float[] cBefore = c.all();

        B.gemm(transA, transB, m, n, k, alpha, a.view, a.elementOffset, lda, b.view, b.elementOffset, ldb,
                beta, c.view, c.elementOffset, ldc);

        float[] aAll = a.all();
        float[] bAll = b.all();
        float[] cAfter = c.all();
        int a0 = a.start();
        int b0 = b.start();
        int c0 = c.start();
        boolean[] inC = new boolean[cAfter.length];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double dot = 0;
                double mag = 0;
                for (int p = 0; p < k; p++) {
                    double av = transA ? aAll[a0 + p * lda + i] : aAll[a0 + i * lda + p];
                    double bv = transB ? bAll[b0 + j * ldb + p] : bAll[b0 + p * ldb + j];
                    dot += av * bv;
                    mag += Math.abs(av * bv);
                }
                int at = c0 + i * ldc + j;
                inC[at] = true;
                double expected = alpha * dot + beta * cBefore[at];
                double tol = 1e-6 * (Math.abs(alpha) * mag + Math.abs(beta * cBefore[at])) + 1e-6;
                assertEquals(expected, cAfter[at], tol, "C[" + i + "," + j + "]");
            }
        }
        for (int i = 0; i < cAfter.length; i++) {
            if (!inC[i]) {
                assertEquals(cBefore[i], cAfter[i], 0f, "element " + i + " outside C (padding) was written");
            }
        }
    }

    @Test
    void betaZeroIgnoresNaNInOutputAndEmptyProductsTouchNothing() {
        Random rng = new Random(5);
        Tensor a = tensor(uniform(rng, 6), 2, 3);
        Tensor b = tensor(uniform(rng, 12), 3, 4);
        float[] nan = new float[8];
        java.util.Arrays.fill(nan, Float.NaN);
        Tensor c = tensor(nan, 2, 4);
        B.gemm(false, false, 2, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4);
        for (float v : c.toFloatArray()) {
            assertTrue(Float.isFinite(v), "beta = 0 must overwrite C, not scale NaN");
        }
        float[] before = c.toFloatArray();
        B.gemm(false, false, 0, 4, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4);
        B.gemm(false, false, 2, 0, 3, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4);
        assertArrayEquals(before, c.toFloatArray(), 0f);
    }

    @Test
    void leadingDimensionSmallerThanColumnsIsRejected() {
        Tensor a = Tensor.zeros(B, 4, 4);
        Tensor b = Tensor.zeros(B, 4, 4);
        Tensor c = Tensor.zeros(B, 4, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> B.gemm(false, false, 4, 4, 4, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4));
        assertTrue(e.getMessage().contains("gemm A") && e.getMessage().contains("leading dimension 3"), e.getMessage());
        // transposed B is stored [n, k]: with k = 2 a leading dimension of 2 is fine, 1 is not
        B.gemm(false, true, 4, 4, 2, 1f, a, 0, 4, b, 0, 2, 0f, c, 0, 4);
        e = assertThrows(IllegalArgumentException.class,
                () -> B.gemm(false, true, 4, 4, 2, 1f, a, 0, 4, b, 0, 1, 0f, c, 0, 4));
        assertTrue(e.getMessage().contains("gemm B"), e.getMessage());
    }

    @Test
    void overrunIsRejectedBeforeNativeCodeTouchesMemory() {
        Tensor a = Tensor.zeros(B, 3, 4).name("weights");
        Tensor b = Tensor.zeros(B, 5, 4);
        Tensor c = Tensor.zeros(B, 5, 5);
        // transA: A is stored [k=3, m=5] with lda 5 -> 15 elements, but 'weights' holds 12
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> B.gemm(true, false, 5, 4, 3, 1f, a, 0, 5, b, 0, 4, 0f, c, 0, 5));
        assertTrue(e.getMessage().contains("overruns") && e.getMessage().contains("'weights'"), e.getMessage());
        // an element offset that pushes the last row past the end
        e = assertThrows(IllegalArgumentException.class,
                () -> B.gemm(false, false, 3, 4, 4, 1f, a, 1, 4, b, 0, 4, 0f, c, 0, 5));
        assertTrue(e.getMessage().contains("gemm A"), e.getMessage());
        // the output is checked too (C at offset 1 with 5 rows of ld 5 needs 26 elements)
        e = assertThrows(IllegalArgumentException.class,
                () -> B.gemm(false, true, 5, 5, 4, 1f, b, 0, 4, b, 0, 4, 0f, c, 1, 5));
        assertTrue(e.getMessage().contains("gemm C"), e.getMessage());
        // a narrowed view counts its tensor offset
        Tensor tail = c.narrowRows(1, 5);
        e = assertThrows(IllegalArgumentException.class,
                () -> B.gemm(false, true, 5, 5, 4, 1f, b, 0, 4, b, 0, 4, 0f, tail, 0, 5));
        assertTrue(e.getMessage().contains("gemm C"), e.getMessage());
    }

    /** A matrix of {@code rows × ld} stored inside a larger random buffer, seen through a narrowed view. */
    private static final class Stored {
        final Tensor base;
        final Tensor view;
        final int elementOffset;
        final int skipRows;

        Stored(Random rng, int rows, int ld, int skipRows, int elementOffset) {
            int total = (rows + skipRows + 1) * ld;
            this.base = tensor(uniform(rng, total), rows + skipRows + 1, ld);
            this.view = base.narrowRows(skipRows, rows + skipRows + 1);
            this.elementOffset = elementOffset;
            this.skipRows = skipRows;
            assertEquals(skipRows * ld, view.offset());
        }

        int start() {
            return view.offset() + elementOffset;
        }

        float[] all() {
            return base.toFloatArray();
        }
    }
}
