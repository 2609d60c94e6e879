package org.hvd4j.tensor.cpu;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import java.nio.FloatBuffer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.hvd4j.tensor.Tensor;

/** SGEMM through OpenBLAS on the direct buffers (no copies). */
final class CpuGemm {
    private CpuGemm() {
    }

    static void setThreads(int threads) {
        org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(threads);
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
        openblas_nolapack.cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans, m, n, k, alpha,
                at(a, aOffset), lda, at(b, bOffset), ldb, beta, at(c, cOffset), ldc);
    }

    private static FloatBuffer at(Tensor t, int offset) {
        FloatBuffer fb = CpuBackend.f(t);
        int start = t.offset() + offset;
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
