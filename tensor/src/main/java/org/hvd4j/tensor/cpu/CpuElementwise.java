package org.hvd4j.tensor.cpu;

import java.nio.FloatBuffer;
import org.hvd4j.tensor.BinaryOp;
import org.hvd4j.tensor.Tensor;

/**
 * Elementwise kernels: fill, binary ops, axpby, scale, bias broadcast. Each works block by block on
 * {@link Scratch} arrays (see there for why).
 */
final class CpuElementwise {
    /** Elements below which a pass stays on the calling thread (see {@link Simd#GRAIN}). */
    static final int GRAIN = 1 << 15;

    private CpuElementwise() {
    }

    static void fill(Tensor dst, float v) {
        FloatBuffer d = CpuBackend.f(dst);
        int o = dst.offset();
        Parallel.forRange(dst.numel(), GRAIN, (from, to) -> {
            float[] block = Scratch.floats(0, Scratch.BLOCK);
            java.util.Arrays.fill(block, 0, Math.min(Scratch.BLOCK, to - from), v);
            for (int i = from; i < to; i += Scratch.BLOCK) {
                Scratch.store(block, d, o + i, Math.min(Scratch.BLOCK, to - i));
            }
        });
    }

    static void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        int n = sameSize(a, b, out);
        FloatBuffer xb = CpuBackend.f(a);
        FloatBuffer yb = CpuBackend.f(b);
        FloatBuffer zb = CpuBackend.f(out);
        Parallel.forRange(n, GRAIN, (from, to) -> {
            for (int i = from; i < to; i += Scratch.BLOCK) {
                int len = Math.min(Scratch.BLOCK, to - i);
                float[] x = Scratch.load(xb, a.offset() + i, Scratch.floats(0, len), len);
                float[] y = Scratch.load(yb, b.offset() + i, Scratch.floats(1, len), len);
                switch (op) {
                    case ADD -> {
                        for (int j = 0; j < len; j++) {
                            x[j] += y[j];
                        }
                    }
                    case SUB -> {
                        for (int j = 0; j < len; j++) {
                            x[j] -= y[j];
                        }
                    }
                    case MUL -> {
                        for (int j = 0; j < len; j++) {
                            x[j] *= y[j];
                        }
                    }
                    case DIV -> {
                        for (int j = 0; j < len; j++) {
                            x[j] /= y[j];
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown op " + op);
                }
                Scratch.store(x, zb, out.offset() + i, len);
            }
        });
    }

    static void axpby(float alpha, Tensor xt, float beta, Tensor yt) {
        int n = sameSize(xt, yt, yt);
        FloatBuffer xb = CpuBackend.f(xt);
        FloatBuffer yb = CpuBackend.f(yt);
        Parallel.forRange(n, GRAIN, (from, to) -> {
            for (int i = from; i < to; i += Scratch.BLOCK) {
                int len = Math.min(Scratch.BLOCK, to - i);
                float[] x = Scratch.load(xb, xt.offset() + i, Scratch.floats(0, len), len);
                float[] y = Scratch.load(yb, yt.offset() + i, Scratch.floats(1, len), len);
                for (int j = 0; j < len; j++) {
                    y[j] = alpha * x[j] + beta * y[j];
                }
                Scratch.store(y, yb, yt.offset() + i, len);
            }
        });
    }

    static void scale(Tensor xt, float s, Tensor out) {
        int n = sameSize(xt, out, out);
        FloatBuffer xb = CpuBackend.f(xt);
        FloatBuffer zb = CpuBackend.f(out);
        Parallel.forRange(n, GRAIN, (from, to) -> {
            for (int i = from; i < to; i += Scratch.BLOCK) {
                int len = Math.min(Scratch.BLOCK, to - i);
                float[] x = Scratch.load(xb, xt.offset() + i, Scratch.floats(0, len), len);
                for (int j = 0; j < len; j++) {
                    x[j] *= s;
                }
                Scratch.store(x, zb, out.offset() + i, len);
            }
        });
    }

    /** Rows of {@code inner} values share one bias; for {@code inner == 1} a row is a bias vector. */
    static void addBias(Tensor xt, Tensor bt, int outer, int channels, int inner, Tensor out) {
        if (Simd.ENABLED && inner == 1) {
            addBiasRowsSimd(xt, bt, outer, channels, out);
        } else {
            addBiasStaged(xt, bt, outer, channels, inner, out);
        }
    }

    static void addBiasRowsSimd(Tensor xt, Tensor bt, int outer, int channels, Tensor out) {
        Parallel.forRange(outer, Math.max(1, Simd.GRAIN / channels), (from, to) -> SimdKernels.addBiasRows(
                CpuBackend.bytes(xt), xt.offset(), CpuBackend.bytes(bt), bt.offset(), CpuBackend.bytes(out),
                out.offset(), channels, from, to));
    }

    static void addBiasStaged(Tensor xt, Tensor bt, int outer, int channels, int inner, Tensor out) {
        FloatBuffer xb = CpuBackend.f(xt);
        FloatBuffer zb = CpuBackend.f(out);
        float[] bias = Scratch.floats(2, channels); // caller's slot 2; the body uses slot 0
        CpuBackend.f(bt).get(bt.offset(), bias, 0, channels);
        int rowLen = inner == 1 ? channels : inner;
        int rows = inner == 1 ? outer : outer * channels;
        Parallel.forRange(rows, Math.max(1, GRAIN / rowLen), (from, to) -> {
            float[] x = Scratch.floats(0, rowLen);
            for (int r = from; r < to; r++) {
                Scratch.load(xb, xt.offset() + r * rowLen, x, rowLen);
                if (inner == 1) {
                    for (int j = 0; j < rowLen; j++) {
                        x[j] += bias[j];
                    }
                } else {
                    float b = bias[r % channels];
                    for (int j = 0; j < rowLen; j++) {
                        x[j] += b;
                    }
                }
                Scratch.store(x, zb, out.offset() + r * rowLen, rowLen);
            }
        });
    }

    static int sameSize(Tensor a, Tensor b, Tensor c) {
        int n = a.numel();
        if (b.numel() != n || c.numel() != n) {
            throw new IllegalArgumentException("element counts differ: " + a.describe() + ", "
                    + b.describe() + ", " + c.describe());
        }
        return n;
    }
}
