package org.hvd4j.tensor.cpu;

import java.nio.FloatBuffer;
import org.hvd4j.tensor.Activation;
import org.hvd4j.tensor.Tensor;

/** Pointwise activations and their derivatives. */
final class CpuActivation {
    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    private CpuActivation() {
    }

    static void forward(Activation fn, Tensor xt, Tensor out) {
        int n = CpuElementwise.sameSize(xt, out, out);
        FloatBuffer x = CpuBackend.f(xt);
        FloatBuffer y = CpuBackend.f(out);
        int xo = xt.offset();
        int yo = out.offset();
        Parallel.forRange(n, CpuElementwise.GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                y.put(yo + i, apply(fn, x.get(xo + i)));
            }
        });
    }

    static float apply(Activation fn, float v) {
        return switch (fn) {
            case RELU -> v > 0f ? v : 0f;
            case GELU -> (float) (0.5 * v * (1.0 + Erf.erf(v * INV_SQRT2)));
            case TANH -> (float) Math.tanh(v);
            case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-v)));
        };
    }

    static void backward(Activation fn, Tensor xt, Tensor yt, Tensor got, Tensor git) {
        int n = CpuElementwise.sameSize(got, git, git);
        FloatBuffer x = xt == null ? null : CpuBackend.f(xt);
        FloatBuffer y = yt == null ? null : CpuBackend.f(yt);
        FloatBuffer go = CpuBackend.f(got);
        FloatBuffer gi = CpuBackend.f(git);
        int xo = xt == null ? 0 : xt.offset();
        int yo = yt == null ? 0 : yt.offset();
        int goo = got.offset();
        int gio = git.offset();
        Parallel.forRange(n, CpuElementwise.GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                float g = go.get(goo + i);
                float d = switch (fn) {
                    // relu' from the output: y > 0 exactly when x > 0 (derivative 0 at 0, as PyTorch)
                    case RELU -> y != null ? (y.get(yo + i) > 0f ? 1f : 0f) : (x.get(xo + i) > 0f ? 1f : 0f);
                    case GELU -> {
                        double v = x.get(xo + i);
                        double cdf = 0.5 * (1.0 + Erf.erf(v * INV_SQRT2));
                        yield (float) (cdf + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
                    }
                    case TANH -> {
                        float t = y.get(yo + i);
                        yield 1f - t * t;
                    }
                    case SIGMOID -> {
                        float s = y.get(yo + i);
                        yield s * (1f - s);
                    }
                };
                gi.put(gio + i, g * d);
            }
        });
    }
}
