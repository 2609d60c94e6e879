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
 * <p>Threading, measured on 2 cores (README, "Results"): a top-level GEMM runs on OpenBLAS's own
 * threads, which share packed panels and reached 170 GFLOP/s on the MLP's shapes, against about
 * 105 for splitting C between our own threads with single-threaded calls. Batch-parallel kernels
 * (convolution: one image per thread) instead call {@link #single} inside {@link
 * #singleThreadedBlas}, so that OpenBLAS does not start threads of its own under ours.
 */
final class CpuGemm {
    private static volatile int blasThreads = 1;

    private CpuGemm() {
    }

    static synchronized void setThreads(int threads) {
        blasThreads = threads;
        org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(threads);
    }

    /**
     * Runs {@code body} with OpenBLAS single-threaded (its callers parallelise at a coarser grain),
     * then restores the configured count. Not reentrant across threads: only the thread that owns
     * the training step calls it.
     */
    static synchronized void singleThreadedBlas(Runnable body) {
        int threads = blasThreads;
        if (threads > 1) {
            org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(1);
        }
        try {
            body.run();
        } finally {
            if (threads > 1) {
                org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(threads);
            }
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
        call(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
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
