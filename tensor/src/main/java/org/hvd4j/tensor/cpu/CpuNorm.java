package org.hvd4j.tensor.cpu;

import java.nio.FloatBuffer;
import org.hvd4j.tensor.Tensor;

/** Batch normalisation over {@code x[N, C, inner]}, per channel, statistics in double. */
final class CpuNorm {
    private CpuNorm() {
    }

    static void stats(Tensor xt, int n, int c, int inner, Tensor meant, Tensor vart) {
        FloatBuffer x = CpuBackend.f(xt);
        FloatBuffer mean = CpuBackend.f(meant);
        FloatBuffer var = CpuBackend.f(vart);
        int xo = xt.offset();
        double count = (double) n * inner;
        Parallel.forRange(c, 1, (from, to) -> {
            for (int ch = from; ch < to; ch++) {
                double s = 0;
                double ss = 0;
                for (int b = 0; b < n; b++) {
                    int base = xo + (b * c + ch) * inner;
                    for (int i = 0; i < inner; i++) {
                        double v = x.get(base + i);
                        s += v;
                        ss += v * v;
                    }
                }
                double m = s / count;
                mean.put(meant.offset() + ch, (float) m);
                var.put(vart.offset() + ch, (float) Math.max(0.0, ss / count - m * m));
            }
        });
    }

    static void inverseStd(Tensor vart, float eps, Tensor out) {
        FloatBuffer v = CpuBackend.f(vart);
        FloatBuffer y = CpuBackend.f(out);
        for (int i = 0, n = vart.numel(); i < n; i++) {
            y.put(out.offset() + i, (float) (1.0 / Math.sqrt((double) v.get(vart.offset() + i) + eps)));
        }
    }

    static void forward(Tensor xt, Tensor meant, Tensor invStdt, Tensor gammat, Tensor betat,
                        int n, int c, int inner, Tensor out) {
        FloatBuffer x = CpuBackend.f(xt);
        FloatBuffer y = CpuBackend.f(out);
        FloatBuffer mean = CpuBackend.f(meant);
        FloatBuffer inv = CpuBackend.f(invStdt);
        FloatBuffer gamma = CpuBackend.f(gammat);
        FloatBuffer beta = CpuBackend.f(betat);
        int xo = xt.offset();
        int yo = out.offset();
        Parallel.forRange(n * c, Math.max(1, 4096 / Math.max(1, inner)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int ch = r % c;
                float scale = inv.get(invStdt.offset() + ch) * gamma.get(gammat.offset() + ch);
                float shift = beta.get(betat.offset() + ch) - mean.get(meant.offset() + ch) * scale;
                int base = r * inner;
                for (int i = 0; i < inner; i++) {
                    y.put(yo + base + i, x.get(xo + base + i) * scale + shift);
                }
            }
        });
    }

    static void backward(Tensor got, Tensor xt, Tensor meant, Tensor invStdt, Tensor gammat,
                         int n, int c, int inner, Tensor git, Tensor ggt, Tensor gbt) {
        FloatBuffer go = CpuBackend.f(got);
        FloatBuffer x = CpuBackend.f(xt);
        FloatBuffer gi = git == null ? null : CpuBackend.f(git);
        double count = (double) n * inner;
        Parallel.forRange(c, 1, (from, to) -> {
            for (int ch = from; ch < to; ch++) {
                double m = CpuBackend.f(meant).get(meant.offset() + ch);
                double inv = CpuBackend.f(invStdt).get(invStdt.offset() + ch);
                double sumG = 0;
                double sumGx = 0;
                for (int b = 0; b < n; b++) {
                    int base = (b * c + ch) * inner;
                    for (int i = 0; i < inner; i++) {
                        double g = go.get(got.offset() + base + i);
                        sumG += g;
                        sumGx += g * (x.get(xt.offset() + base + i) - m) * inv;
                    }
                }
                if (ggt != null) {
                    CpuBackend.f(ggt).put(ggt.offset() + ch, (float) sumGx);
                }
                if (gbt != null) {
                    CpuBackend.f(gbt).put(gbt.offset() + ch, (float) sumG);
                }
                if (gi == null) {
                    continue;
                }
                double k = CpuBackend.f(gammat).get(gammat.offset() + ch) * inv / count;
                for (int b = 0; b < n; b++) {
                    int base = (b * c + ch) * inner;
                    for (int i = 0; i < inner; i++) {
                        double g = go.get(got.offset() + base + i);
                        double xhat = (x.get(xt.offset() + base + i) - m) * inv;
                        gi.put(git.offset() + base + i, (float) (k * (count * g - sumG - xhat * sumGx)));
                    }
                }
            }
        });
    }
}
