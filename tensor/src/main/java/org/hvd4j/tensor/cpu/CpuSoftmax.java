package org.hvd4j.tensor.cpu;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import org.hvd4j.tensor.Tensor;

/** Row-wise softmax, log-softmax and fused cross-entropy. */
final class CpuSoftmax {
    private CpuSoftmax() {
    }

    static void softmax(Tensor xt, int rows, int cols, boolean log, Tensor out) {
        FloatBuffer x = CpuBackend.f(xt);
        FloatBuffer y = CpuBackend.f(out);
        int xo = xt.offset();
        int yo = out.offset();
        Parallel.forRange(rows, Math.max(1, 4096 / Math.max(1, cols)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int base = r * cols;
                float max = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < cols; c++) {
                    max = Math.max(max, x.get(xo + base + c));
                }
                double sum = 0;
                for (int c = 0; c < cols; c++) {
                    sum += Math.exp(x.get(xo + base + c) - max);
                }
                if (log) {
                    // (x - max) - log(sum), not x - (max + log(sum)): rounding max + log(sum) to
                    // float would cost an ulp of the logits (6e-5 at 1000) in every output
                    double logSum = Math.log(sum);
                    for (int c = 0; c < cols; c++) {
                        y.put(yo + base + c, (float) ((x.get(xo + base + c) - max) - logSum));
                    }
                } else {
                    double inv = 1.0 / sum;
                    for (int c = 0; c < cols; c++) {
                        y.put(yo + base + c, (float) (Math.exp(x.get(xo + base + c) - max) * inv));
                    }
                }
            }
        });
    }

    static void backward(Tensor yt, Tensor gyt, int rows, int cols, boolean log, Tensor gxt) {
        FloatBuffer y = CpuBackend.f(yt);
        FloatBuffer gy = CpuBackend.f(gyt);
        FloatBuffer gx = CpuBackend.f(gxt);
        int yo = yt.offset();
        int gyo = gyt.offset();
        int gxo = gxt.offset();
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            double dot = 0;
            for (int c = 0; c < cols; c++) {
                dot += log ? gy.get(gyo + base + c) : (double) gy.get(gyo + base + c) * y.get(yo + base + c);
            }
            for (int c = 0; c < cols; c++) {
                float yv = y.get(yo + base + c);
                float g = gy.get(gyo + base + c);
                gx.put(gxo + base + c, log ? (float) (g - Math.exp(yv) * dot) : (float) (yv * (g - dot)));
            }
        }
    }

    static void crossEntropy(Tensor lt, Tensor labt, int rows, int cols, float smoothing,
                             Tensor losst, Tensor gradt, float gradScale) {
        FloatBuffer x = CpuBackend.f(lt);
        IntBuffer lab = CpuBackend.i(labt);
        FloatBuffer loss = CpuBackend.f(losst);
        FloatBuffer g = gradt == null ? null : CpuBackend.f(gradt);
        int xo = lt.offset();
        int lo = labt.offset();
        int so = losst.offset();
        int go = gradt == null ? 0 : gradt.offset();
        float offTarget = smoothing / cols;
        float onTarget = 1f - smoothing + offTarget;
        for (int r = 0; r < rows; r++) {
            int label = lab.get(lo + r);
            if (label < 0 || label >= cols) {
                throw new IllegalArgumentException("label " + label + " of row " + r + " is outside [0, "
                        + cols + "): the model has " + cols + " classes");
            }
            int base = r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, x.get(xo + base + c));
            }
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                sum += Math.exp(x.get(xo + base + c) - max);
            }
            double lse = max + Math.log(sum);
            double l = 0;
            for (int c = 0; c < cols; c++) {
                double logp = x.get(xo + base + c) - lse;
                float q = c == label ? onTarget : offTarget;
                l -= q * logp;
                if (g != null) {
                    g.put(go + base + c, (float) ((Math.exp(logp) - q) * gradScale));
                }
            }
            loss.put(so + r, (float) l);
        }
    }
}
