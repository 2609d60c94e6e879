package org.hvd4j.tensor.cpu;

import java.nio.FloatBuffer;
import org.hvd4j.tensor.Tensor;

/** Fused optimizer updates: one pass over parameter, gradient and state. */
final class CpuOptim {
    private CpuOptim() {
    }

    static void sgd(Tensor pt, Tensor gt, Tensor bt, float lr, float momentum, float dampening,
                    float wd, boolean nesterov, boolean first) {
        FloatBuffer p = CpuBackend.f(pt);
        FloatBuffer g = CpuBackend.f(gt);
        FloatBuffer b = bt == null ? null : CpuBackend.f(bt);
        int po = pt.offset();
        int go = gt.offset();
        int bo = bt == null ? 0 : bt.offset();
        Parallel.forRange(pt.numel(), CpuElementwise.GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                float pv = p.get(po + i);
                float d = g.get(go + i) + wd * pv;
                if (momentum != 0f) {
                    float buf = first ? d : momentum * b.get(bo + i) + (1f - dampening) * d;
                    b.put(bo + i, buf);
                    d = nesterov ? d + momentum * buf : buf;
                }
                p.put(po + i, pv - lr * d);
            }
        });
    }

    static void adam(Tensor pt, Tensor gt, Tensor mt, Tensor vt, float lr, float b1, float b2, float eps,
                     float wd, boolean decoupled, int t) {
        FloatBuffer p = CpuBackend.f(pt);
        FloatBuffer g = CpuBackend.f(gt);
        FloatBuffer m = CpuBackend.f(mt);
        FloatBuffer v = CpuBackend.f(vt);
        int po = pt.offset();
        int go = gt.offset();
        int mo = mt.offset();
        int vo = vt.offset();
        double bc1 = 1.0 - Math.pow(b1, t);
        double bc2 = 1.0 - Math.pow(b2, t);
        float stepSize = (float) (lr / bc1);
        float sqrtBc2 = (float) Math.sqrt(bc2);
        Parallel.forRange(pt.numel(), CpuElementwise.GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                float pv = p.get(po + i);
                float gv = g.get(go + i);
                if (decoupled) {
                    pv *= 1f - lr * wd;
                } else {
                    gv += wd * pv;
                }
                float mv = b1 * m.get(mo + i) + (1f - b1) * gv;
                float vv = b2 * v.get(vo + i) + (1f - b2) * gv * gv;
                m.put(mo + i, mv);
                v.put(vo + i, vv);
                // PyTorch's form: p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps)
                p.put(po + i, pv - stepSize * mv / ((float) Math.sqrt(vv) / sqrtBc2 + eps));
            }
        });
    }
}
