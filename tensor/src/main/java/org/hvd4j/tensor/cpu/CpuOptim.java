package org.hvd4j.tensor.cpu;

import java.nio.FloatBuffer;
import org.hvd4j.tensor.Tensor;

/**
 * Fused optimizer updates: one pass over parameter, gradient and state. Each has a staged twin
 * (block by block on {@link Scratch} arrays) and a Vector API one ({@link SimdKernels}), chosen by
 * {@link Simd#ENABLED}; both give the same floats.
 */
final class CpuOptim {
    private CpuOptim() {
    }

    /** SGD in place, PyTorch's order of operations (see {@link SimdKernels#sgd}); {@code bt} is unused without momentum. */
    static void sgd(Tensor pt, Tensor gt, Tensor bt, float lr, float momentum, float dampening,
                    float wd, boolean nesterov, boolean first) {
        if (Simd.ENABLED) {
            sgdSimd(pt, gt, bt, lr, momentum, dampening, wd, nesterov, first);
        } else {
            sgdStaged(pt, gt, bt, lr, momentum, dampening, wd, nesterov, first);
        }
    }

    static void sgdSimd(Tensor pt, Tensor gt, Tensor bt, float lr, float momentum, float dampening,
                        float wd, boolean nesterov, boolean first) {
        boolean withBuf = momentum != 0f;
        Parallel.forRange(pt.numel(), Simd.GRAIN, (from, to) -> SimdKernels.sgd(
                CpuBackend.bytes(pt), pt.offset(), CpuBackend.bytes(gt), gt.offset(),
                withBuf ? CpuBackend.bytes(bt) : null, withBuf ? bt.offset() : 0, from, to,
                lr, momentum, dampening, wd, nesterov, first));
    }

    static void sgdStaged(Tensor pt, Tensor gt, Tensor bt, float lr, float momentum, float dampening,
                          float wd, boolean nesterov, boolean first) {
        FloatBuffer pb = CpuBackend.f(pt);
        FloatBuffer gb = CpuBackend.f(gt);
        FloatBuffer bb = bt == null ? null : CpuBackend.f(bt);
        Parallel.forRange(pt.numel(), CpuElementwise.GRAIN, (from, to) -> {
            for (int i = from; i < to; i += Scratch.BLOCK) {
                int len = Math.min(Scratch.BLOCK, to - i);
                float[] p = Scratch.load(pb, pt.offset() + i, Scratch.floats(0, len), len);
                float[] g = Scratch.load(gb, gt.offset() + i, Scratch.floats(1, len), len);
                if (momentum == 0f) {
                    for (int j = 0; j < len; j++) {
                        p[j] -= lr * (g[j] + wd * p[j]);
                    }
                } else {
                    float[] b = Scratch.load(bb, bt.offset() + i, Scratch.floats(2, len), len);
                    for (int j = 0; j < len; j++) {
                        float d = g[j] + wd * p[j];
                        float buf = first ? d : momentum * b[j] + (1f - dampening) * d;
                        b[j] = buf;
                        p[j] -= lr * (nesterov ? d + momentum * buf : buf);
                    }
                    Scratch.store(b, bb, bt.offset() + i, len);
                }
                Scratch.store(p, pb, pt.offset() + i, len);
            }
        });
    }

    static void adam(Tensor pt, Tensor gt, Tensor mt, Tensor vt, float lr, float b1, float b2, float eps,
                     float wd, boolean decoupled, int t) {
        double bc1 = 1.0 - Math.pow(b1, t);
        double bc2 = 1.0 - Math.pow(b2, t);
        adamCorrected(pt, gt, mt, vt, lr, b1, b2, eps, wd, decoupled, (float) (lr / bc1), (float) Math.sqrt(bc2));
    }

    /** {@link #adam} with the bias corrections folded in: {@code stepSize = lr/bc1}, {@code sqrtBc2 = sqrt(bc2)}. */
    static void adamCorrected(Tensor pt, Tensor gt, Tensor mt, Tensor vt, float lr, float b1, float b2, float eps,
                              float wd, boolean decoupled, float stepSize, float sqrtBc2) {
        if (Simd.ENABLED) {
            adamSimd(pt, gt, mt, vt, lr, b1, b2, eps, wd, decoupled, stepSize, sqrtBc2);
        } else {
            adamStaged(pt, gt, mt, vt, lr, b1, b2, eps, wd, decoupled, stepSize, sqrtBc2);
        }
    }

    static void adamSimd(Tensor pt, Tensor gt, Tensor mt, Tensor vt, float lr, float b1, float b2, float eps,
                         float wd, boolean decoupled, float stepSize, float sqrtBc2) {
        Parallel.forRange(pt.numel(), Simd.GRAIN, (from, to) -> SimdKernels.adam(
                CpuBackend.bytes(pt), pt.offset(), CpuBackend.bytes(gt), gt.offset(), CpuBackend.bytes(mt),
                mt.offset(), CpuBackend.bytes(vt), vt.offset(), from, to, lr, b1, b2, eps, wd, decoupled,
                stepSize, sqrtBc2));
    }

    static void adamStaged(Tensor pt, Tensor gt, Tensor mt, Tensor vt, float lr, float b1, float b2, float eps,
                           float wd, boolean decoupled, float stepSize, float sqrtBc2) {
        FloatBuffer pb = CpuBackend.f(pt);
        FloatBuffer gb = CpuBackend.f(gt);
        FloatBuffer mb = CpuBackend.f(mt);
        FloatBuffer vb = CpuBackend.f(vt);
        Parallel.forRange(pt.numel(), CpuElementwise.GRAIN, (from, to) -> {
            for (int i = from; i < to; i += Scratch.BLOCK) {
                int len = Math.min(Scratch.BLOCK, to - i);
                float[] p = Scratch.load(pb, pt.offset() + i, Scratch.floats(0, len), len);
                float[] g = Scratch.load(gb, gt.offset() + i, Scratch.floats(1, len), len);
                float[] m = Scratch.load(mb, mt.offset() + i, Scratch.floats(2, len), len);
                float[] v = Scratch.load(vb, vt.offset() + i, Scratch.floats(3, len), len);
                for (int j = 0; j < len; j++) {
                    float pv = p[j];
                    float gv = g[j];
                    if (decoupled) {
                        pv *= 1f - lr * wd;
                    } else {
                        gv += wd * pv;
                    }
                    m[j] = b1 * m[j] + (1f - b1) * gv;
                    v[j] = b2 * v[j] + (1f - b2) * gv * gv;
                    // PyTorch's form: p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps)
                    p[j] = pv - stepSize * m[j] / ((float) Math.sqrt(v[j]) / sqrtBc2 + eps);
                }
                Scratch.store(p, pb, pt.offset() + i, len);
                Scratch.store(m, mb, mt.offset() + i, len);
                Scratch.store(v, vb, vt.offset() + i, len);
            }
        });
    }
}
