package org.hvd4j.tensor.cpu;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import java.nio.FloatBuffer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.hvd4j.tensor.Tensor;

/**
 * SGEMM through OpenBLAS on the direct buffers (no copies).
 *
 * <p>Threading, measured on 2 cores (README, "Results"): OpenBLAS's own threads, which share
 * packed panels (the MLP's 128×512×784: about 200 GFLOP/s, against 140 when C is split between
 * our threads; OpenBLAS itself stays single-threaded below 2^18 multiply-adds). Batch-parallel
 * kernels (one image per thread) call {@link #single} after {@link #preferOwnThreads}, which
 * leaves OpenBLAS single-threaded for the rest of the process, because its spinning workers took
 * the cores the convolution's own threads needed; from then on every product from 2^21
 * multiply-adds up is split into blocks of rows or columns of C over our pool, one
 * single-threaded call per thread (the CNN's 128×1024×3136: 215–225 GFLOP/s).
 *
 * <p>Products are never split with OpenBLAS switched to one thread for the call and back, as
 * large ones were until 2026-12-06: the switch itself cost a third, and the CNN's fc1 shapes ran
 * at 146–168 GFLOP/s that way against 221–291 on OpenBLAS's own threads (before any convolution
 * has run; gemm-bench).
 */
final class CpuGemm {
    /** In own-threads mode, products from this size up are split over the pool. */
    private static final long SPLIT_MACS = 1L << 21;
    private static final int MIN_BLOCK = 16;
    private static volatile boolean ownThreads;

    private CpuGemm() {
    }

    static synchronized void setThreads(int threads) {
        org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(ownThreads ? 1 : threads);
    }

    /**
     * Switches this process for good to OpenBLAS single-threaded, with all parallelism from our
     * pool. Called by the batch-parallel convolution on its first use: changing OpenBLAS's thread
     * count around every convolution woke its workers, which then spun on the cores the
     * convolution's own threads needed (conv2 of {@code cnn}: 26 ms per batch instead of 20).
     */
    static synchronized void preferOwnThreads() {
        if (!ownThreads) {
            ownThreads = true;
            org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(1);
        }
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
        int threads = Parallel.threads();
        if (!ownThreads || threads == 1 || macs < SPLIT_MACS || Math.max(m, n) < 2 * MIN_BLOCK) {
            call(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
        } else {
            split(threads, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
        }
    }

    /** Blocks of rows of C (or of columns when C is wide), one single-threaded call per pool thread. */
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
