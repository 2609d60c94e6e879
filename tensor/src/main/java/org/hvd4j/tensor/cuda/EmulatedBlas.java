package org.hvd4j.tensor.cuda;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasColMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.hvd4j.cuda.CudaDataType;
import org.hvd4j.cuda.CudaException;
import org.hvd4j.tensor.HalfFloats;

/**
 * cuBLAS GEMM on the emulated device: the arguments are checked as cuBLAS checks them
 * ({@code CUBLAS_STATUS_INVALID_VALUE} for a negative size or a leading dimension below the
 * stored row count) and against the allocations, then OpenBLAS runs the same column-major call.
 * 16-bit inputs are widened exactly to float first; accumulation is float32 as with
 * {@code CUBLAS_COMPUTE_32F}.
 */
final class EmulatedBlas {
    private final EmulatedMemory memory;

    /** A checked GEMM (batch of equal GEMMs), ready to run. */
    record Gemm(String call, CudaDataType type, boolean transA, boolean transB, int m, int n, int k,
                long a, int lda, long strideA, long b, int ldb, long strideB,
                long c, int ldc, long strideC, int batch) {
    }

    EmulatedBlas(EmulatedMemory memory) {
        this.memory = memory;
    }

    Gemm check(String call, CudaDataType type, boolean transA, boolean transB, int m, int n, int k,
               long a, int lda, long strideA, long b, int ldb, long strideB, long c, int ldc, long strideC,
               int batch) {
        int rowsA = transA ? k : m;
        int rowsB = transB ? n : k;
        if (m < 0 || n < 0 || k < 0 || batch < 0 || lda < Math.max(1, rowsA) || ldb < Math.max(1, rowsB)
                || ldc < Math.max(1, m)) {
            throw new CudaException(call, 7, String.format("CUBLAS_STATUS_INVALID_VALUE (emulated): %s with "
                    + "m=%d n=%d k=%d lda=%d ldb=%d ldc=%d batch=%d (column-major: lda >= %s, ldb >= %s, ldc >= m)",
                    call, m, n, k, lda, ldb, ldc, batch, transA ? "k" : "m", transB ? "n" : "k"));
        }
        Gemm g = new Gemm(call, type, transA, transB, m, n, k, a, lda, strideA, b, ldb, strideB, c, ldc, strideC,
                batch);
        for (int i = 0; i < batch && m > 0 && n > 0; i++) {
            if (k > 0) {
                span(a + i * strideA * type.bytes(), rowsA, transA ? m : k, lda, type.bytes(), call + " A");
                span(b + i * strideB * type.bytes(), rowsB, transB ? k : n, ldb, type.bytes(), call + " B");
            }
            span(c + i * strideC * 4, m, n, ldc, 4, call + " C");
        }
        return g;
    }

    /** Bytes of a column-major rows×cols matrix with leading dimension ld; checks it is mapped. */
    private ByteBuffer span(long address, int rows, int cols, int ld, int elementBytes, String who) {
        long elements = (long) (cols - 1) * ld + rows;
        return memory.bytes(address, elements * elementBytes, who);
    }

    void run(Gemm g, float alpha, float beta) {
        if (g.m == 0 || g.n == 0) {
            return;
        }
        int es = g.type.bytes();
        for (int i = 0; i < g.batch; i++) {
            FloatBuffer c = span(g.c + i * g.strideC * 4, g.m, g.n, g.ldc, 4, g.call).asFloatBuffer();
            if (g.k == 0) { // C = beta*C; beta == 0 does not read C
                scaleC(c, g.m, g.n, g.ldc, beta);
                continue;
            }
            FloatBuffer a = operand(g.a + i * g.strideA * es, g.transA ? g.k : g.m, g.transA ? g.m : g.k, g.lda, g);
            FloatBuffer b = operand(g.b + i * g.strideB * es, g.transB ? g.n : g.k, g.transB ? g.k : g.n, g.ldb, g);
            if (beta == 0f) { // BLAS may compute 0*NaN; cuBLAS does not read C when beta is 0
                scaleC(c, g.m, g.n, g.ldc, 0f);
            }
            openblas_nolapack.cblas_sgemm(CblasColMajor, g.transA ? CblasTrans : CblasNoTrans,
                    g.transB ? CblasTrans : CblasNoTrans, g.m, g.n, g.k, alpha, a, g.lda, b, g.ldb,
                    beta, c, g.ldc);
        }
    }

    private FloatBuffer operand(long address, int rows, int cols, int ld, Gemm g) {
        ByteBuffer raw = span(address, rows, cols, ld, g.type.bytes(), g.call);
        if (g.type == CudaDataType.F32) {
            return raw.asFloatBuffer();
        }
        int count = raw.capacity() / 2;
        ByteBuffer wide = ByteBuffer.allocateDirect(count * 4).order(raw.order());
        for (int i = 0; i < count; i++) {
            short h = raw.getShort(2 * i);
            wide.putFloat(4 * i, g.type == CudaDataType.BF16 ? HalfFloats.bfloat16ToFloat(h) : HalfFloats.halfToFloat(h));
        }
        return wide.asFloatBuffer();
    }

    private static void scaleC(FloatBuffer c, int m, int n, int ldc, float beta) {
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                int at = j * ldc + i;
                c.put(at, beta == 0f ? 0f : beta * c.get(at));
            }
        }
    }
}
