package org.hvd4j.tensor.cpu;

import java.nio.FloatBuffer;
import org.hvd4j.tensor.BinaryOp;
import org.hvd4j.tensor.Tensor;

/** Elementwise kernels: fill, binary ops, axpby, scale, bias broadcast. */
final class CpuElementwise {
    static final int GRAIN = 1 << 15;

    private CpuElementwise() {
    }

    static void fill(Tensor dst, float v) {
        FloatBuffer d = CpuBackend.f(dst);
        int o = dst.offset();
        Parallel.forRange(dst.numel(), GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                d.put(o + i, v);
            }
        });
    }

    static void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        int n = sameSize(a, b, out);
        FloatBuffer x = CpuBackend.f(a);
        FloatBuffer y = CpuBackend.f(b);
        FloatBuffer z = CpuBackend.f(out);
        int xo = a.offset();
        int yo = b.offset();
        int zo = out.offset();
        Parallel.forRange(n, GRAIN, (from, to) -> {
            switch (op) {
                case ADD -> {
                    for (int i = from; i < to; i++) {
                        z.put(zo + i, x.get(xo + i) + y.get(yo + i));
                    }
                }
                case SUB -> {
                    for (int i = from; i < to; i++) {
                        z.put(zo + i, x.get(xo + i) - y.get(yo + i));
                    }
                }
                case MUL -> {
                    for (int i = from; i < to; i++) {
                        z.put(zo + i, x.get(xo + i) * y.get(yo + i));
                    }
                }
                case DIV -> {
                    for (int i = from; i < to; i++) {
                        z.put(zo + i, x.get(xo + i) / y.get(yo + i));
                    }
                }
                default -> throw new IllegalArgumentException("unknown op " + op);
            }
        });
    }

    static void axpby(float alpha, Tensor xt, float beta, Tensor yt) {
        int n = sameSize(xt, yt, yt);
        FloatBuffer x = CpuBackend.f(xt);
        FloatBuffer y = CpuBackend.f(yt);
        int xo = xt.offset();
        int yo = yt.offset();
        Parallel.forRange(n, GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                y.put(yo + i, alpha * x.get(xo + i) + beta * y.get(yo + i));
            }
        });
    }

    static void scale(Tensor xt, float s, Tensor out) {
        int n = sameSize(xt, out, out);
        FloatBuffer x = CpuBackend.f(xt);
        FloatBuffer z = CpuBackend.f(out);
        int xo = xt.offset();
        int zo = out.offset();
        Parallel.forRange(n, GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                z.put(zo + i, x.get(xo + i) * s);
            }
        });
    }

    static void addBias(Tensor xt, Tensor bt, int outer, int channels, int inner, Tensor out) {
        FloatBuffer x = CpuBackend.f(xt);
        FloatBuffer b = CpuBackend.f(bt);
        FloatBuffer z = CpuBackend.f(out);
        int xo = xt.offset();
        int bo = bt.offset();
        int zo = out.offset();
        int rows = outer * channels;
        Parallel.forRange(rows, Math.max(1, GRAIN / Math.max(1, inner)), (from, to) -> {
            for (int r = from; r < to; r++) {
                float bias = b.get(bo + r % channels);
                int base = r * inner;
                for (int i = 0; i < inner; i++) {
                    z.put(zo + base + i, x.get(xo + base + i) + bias);
                }
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
