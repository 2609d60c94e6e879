package org.hvd4j.tensor.cpu;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import java.nio.FloatBuffer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.hvd4j.tensor.Tensor;

/**
 * SGEMM through OpenBLAS on the direct buffers (no copies), OpenBLAS always single-threaded: a
 * product from {@link #SPLIT_MACS} multiply-adds up is cut into blocks of rows of C (or of
 * columns, when C is wider than tall), one single-threaded call per piece of {@link Parallel}.
 * Batch-parallel kernels (one image per thread in convolution) call {@link #single} from their
 * own chunks. The blocks follow {@link Parallel#share()}, never which threads are free, so a
 * product rounds the same way in every run.
 *
 * <p>Why not OpenBLAS's own threads, which share packed panels (used for products below the
 * first convolution until 2026-12-07): product by product, on 2 cores of an AMD EPYC, the split
 * over {@link Parallel}'s spinning workers is within a few percent of them at the {@code mlp}'s
 * shapes (128×512×784 with B transposed: 332 µs best, 393 mean, against 346 and 406), and it
 * frees the second core for everything else: OpenBLAS's idle workers spun on it between products,
 * so the element-wise passes and the optimizer ran on one core. Now they, and
 * {@link Parallel#fork} of a layer's two gradient products, use both ({@code mlp} step 2.14–2.26
 * ms → 1.71–1.80 ms median in {@code train}; DESIGN.md, "CPU threads"). Below 2^20 multiply-adds a
 * product stays whole: 128×10×512 took 23 µs either way; 128×10×1024 took 43 µs whole and 9 µs
 * as two blocks of rows, OpenBLAS taking a faster path for the smaller blocks.
 */
final class CpuGemm {
    /** Products from this size up are split over the calling context's threads. */
    static final long SPLIT_MACS = 1L << 20;
    private static final int MIN_BLOCK = 16;

    private CpuGemm() {
    }

    /**
     * Makes OpenBLAS single-threaded for the rest of the process (every bit of parallelism comes
     * from our own threads); the CPU backend calls it once, before any product.
     */
    static void singleThreadedBlas() {
        org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(1);
    }

    static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     Tensor a, int aOffset, int lda, Tensor b, int bOffset, int ldb,
                     float beta, Tensor c, int cOffset, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        checkBounds("A", a, aOffset, transA ? k : m, transA ? m : k, lda);
        checkBounds("B", b, bOffset, transB ? n : k, transB ? k : n, ldb);
        checkBounds("C", c, cOffset, m, n, ldc);
        long macs = (long) m * n * k;
        int threads = Parallel.share();
        if (threads == 1 || macs < SPLIT_MACS || Math.max(m, n) < 2 * MIN_BLOCK) {
            call(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
        } else {
            split(threads, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
        }
    }

    /** Blocks of rows of C (or of columns when C is wide), one single-threaded call per thread. */
    private static void split(int threads, boolean transA, boolean transB, int m, int n, int k, float alpha,
                              Tensor a, int aOffset, int lda, Tensor b, int bOffset, int ldb,
                              float beta, Tensor c, int cOffset, int ldc) {
        if (m >= n) {
            // row r of op(A) starts at r*lda (A stored [m,k]) or at column r (stored [k,m])
            int blocks = Math.min(threads, m / MIN_BLOCK);
            Parallel.forRange(blocks, 1, (from, to) -> {
                for (int blk = from; blk < to; blk++) {
                    int r0 = (int) ((long) m * blk / blocks);
                    int r1 = (int) ((long) m * (blk + 1) / blocks);
                    call(transA, transB, r1 - r0, n, k, alpha, a, aOffset + (transA ? r0 : r0 * lda), lda,
                            b, bOffset, ldb, beta, c, cOffset + r0 * ldc, ldc);
                }
            });
        } else {
            // column j of op(B) starts at column j (B stored [k,n]) or at row j (stored [n,k])
            int blocks = Math.min(threads, n / MIN_BLOCK);
            Parallel.forRange(blocks, 1, (from, to) -> {
                for (int blk = from; blk < to; blk++) {
                    int c0 = (int) ((long) n * blk / blocks);
                    int c1 = (int) ((long) n * (blk + 1) / blocks);
                    call(transA, transB, m, c1 - c0, k, alpha, a, aOffset, lda,
                            b, bOffset + (transB ? c0 * ldb : c0), ldb, beta, c, cOffset + c0, ldc);
                }
            });
        }
    }

    private static void call(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             Tensor a, int aOffset, int lda, Tensor b, int bOffset, int ldb,
                             float beta, Tensor c, int cOffset, int ldc) {
        single(transA, transB, m, n, k, alpha, CpuBackend.f(a), a.offset() + aOffset, lda,
                CpuBackend.f(b), b.offset() + bOffset, ldb, beta, CpuBackend.f(c), c.offset() + cOffset, ldc);
    }

    /**
     * One single-threaded SGEMM on raw buffers, offsets absolute; for kernels that parallelise
     * at a coarser grain themselves (one image per thread in convolution). No bounds checks: the
     * caller derives every extent from shapes it has checked.
     */
    static void single(boolean transA, boolean transB, int m, int n, int k, float alpha,
                       FloatBuffer a, int aOffset, int lda, FloatBuffer b, int bOffset, int ldb,
                       float beta, FloatBuffer c, int cOffset, int ldc) {
        openblas_nolapack.cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans, m, n, k, alpha,
                at(a, aOffset), lda, at(b, bOffset), ldb, beta, at(c, cOffset), ldc);
    }

    private static FloatBuffer at(FloatBuffer fb, int start) {
        return fb.slice(start, fb.capacity() - start);
    }

    /** Native code does not check bounds, so a wrong shape must fail here, not corrupt memory. */
    private static void checkBounds(String which, Tensor t, int offset, int rows, int cols, int ld) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("gemm " + which + ": leading dimension " + ld + " < columns " + cols);
        }
        long last = (long) t.offset() + offset + (long) (rows - 1) * ld + cols;
        if (rows > 0 && last > CpuBackend.f(t).capacity()) {
            throw new IllegalArgumentException("gemm " + which + ": " + rows + "x" + cols + " (ld " + ld
                    + ") at offset " + offset + " overruns " + t.describe());
        }
    }
}
