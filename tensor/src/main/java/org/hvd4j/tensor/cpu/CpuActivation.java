package org.hvd4j.tensor.cpu;

import java.nio.FloatBuffer;
import org.hvd4j.tensor.Activation;
import org.hvd4j.tensor.Tensor;

/**
 * Pointwise activations and their derivatives, block by block on {@link Scratch} arrays; ReLU also
 * in place with the Vector API ({@link SimdKernels}) when {@link Simd#ENABLED}, with the same results.
 */
final class CpuActivation {
    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    private CpuActivation() {
    }

    static void forward(Activation fn, Tensor xt, Tensor out) {
        if (Simd.ENABLED && fn == Activation.RELU) {
            reluSimd(xt, out);
        } else {
            forwardStaged(fn, xt, out);
        }
    }

    static void reluSimd(Tensor xt, Tensor out) {
        int n = CpuElementwise.sameSize(xt, out, out);
        Parallel.forRange(n, Simd.GRAIN, (from, to) -> SimdKernels.relu(CpuBackend.bytes(xt), xt.offset(),
                CpuBackend.bytes(out), out.offset(), from, to));
    }

    static void forwardStaged(Activation fn, Tensor xt, Tensor out) {
        int n = CpuElementwise.sameSize(xt, out, out);
        FloatBuffer xb = CpuBackend.f(xt);
        FloatBuffer yb = CpuBackend.f(out);
        Parallel.forRange(n, CpuElementwise.GRAIN, (from, to) -> {
            for (int i = from; i < to; i += Scratch.BLOCK) {
                int len = Math.min(Scratch.BLOCK, to - i);
                float[] x = Scratch.load(xb, xt.offset() + i, Scratch.floats(0, len), len);
                if (fn == Activation.RELU) {
                    // Math.max compiles to a vector max; a ternary is a data-dependent branch, which
                    // measured 10x slower on half-negative data. NaN stays NaN, as in PyTorch.
                    for (int j = 0; j < len; j++) {
                        x[j] = Math.max(x[j], 0f);
                    }
                } else {
                    for (int j = 0; j < len; j++) {
                        x[j] = apply(fn, x[j]);
                    }
                }
                Scratch.store(x, yb, out.offset() + i, len);
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

    /** f'(x) from x (GELU) or from y = f(x) (ReLU, tanh, sigmoid). */
    private static float derivative(Activation fn, float x, float y) {
        return switch (fn) {
            case RELU -> y > 0f ? 1f : 0f; // y > 0 exactly when x > 0; derivative 0 at 0 as PyTorch
            case GELU -> {
                double cdf = 0.5 * (1.0 + Erf.erf(x * INV_SQRT2));
                yield (float) (cdf + x * INV_SQRT_2PI * Math.exp(-0.5 * (double) x * x));
            }
            case TANH -> 1f - y * y;
            case SIGMOID -> y * (1f - y);
        };
    }

    static void backward(Activation fn, Tensor xt, Tensor yt, Tensor got, Tensor git) {
        if (Simd.ENABLED && fn == Activation.RELU) {
            reluBackwardSimd(xt, yt, got, git);
        } else {
            backwardStaged(fn, xt, yt, got, git);
        }
    }

    static void reluBackwardSimd(Tensor xt, Tensor yt, Tensor got, Tensor git) {
        int n = CpuElementwise.sameSize(got, git, git);
        boolean fromX = yt == null;
        Tensor src = fromX ? xt : yt;
        Parallel.forRange(n, Simd.GRAIN, (from, to) -> SimdKernels.reluBackward(CpuBackend.bytes(src), src.offset(),
                fromX, CpuBackend.bytes(got), got.offset(), CpuBackend.bytes(git), git.offset(), from, to));
    }

    static void backwardStaged(Activation fn, Tensor xt, Tensor yt, Tensor got, Tensor git) {
        int n = CpuElementwise.sameSize(got, git, git);
        // GELU's derivative needs x; the others are cheapest from y (for ReLU either works).
        boolean fromX = fn == Activation.GELU || yt == null;
        Tensor src = fromX ? xt : yt;
        FloatBuffer sb = CpuBackend.f(src);
        FloatBuffer gob = CpuBackend.f(got);
        FloatBuffer gib = CpuBackend.f(git);
        Parallel.forRange(n, CpuElementwise.GRAIN, (from, to) -> {
            for (int i = from; i < to; i += Scratch.BLOCK) {
                int len = Math.min(Scratch.BLOCK, to - i);
                float[] s = Scratch.load(sb, src.offset() + i, Scratch.floats(0, len), len);
                float[] g = Scratch.load(gob, got.offset() + i, Scratch.floats(1, len), len);
                if (fn == Activation.RELU) {
                    // branch-free step(y): y·2^254 is >= 1 for every positive float (denormals too)
                    // and 0 for y = 0, so min(·, 1) is the 0/1 mask, and the loop vectorises
                    for (int j = 0; j < len; j++) {
                        float y = fromX ? Math.max(s[j], 0f) : s[j];
                        g[j] *= Math.min(y * 0x1p127f * 0x1p127f, 1f);
                    }
                } else {
                    for (int j = 0; j < len; j++) {
                        float x = fromX ? s[j] : 0f;
                        float y = fromX ? apply(fn, s[j]) : s[j];
                        g[j] *= derivative(fn, x, y);
                    }
                }
                Scratch.store(g, gib, git.offset() + i, len);
            }
        });
    }
}
