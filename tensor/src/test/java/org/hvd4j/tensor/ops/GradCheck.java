package org.hvd4j.tensor.ops;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.TensorScope;
import org.hvd4j.tensor.autograd.GradMode;

/**
 * Gradient check by central differences, reusable by every module's tests (published in the
 * tensor test-jar).
 *
 * <p>For {@code y = f(inputs)} the check builds the scalar {@code L = Σ_i y_i·r_i} with a fixed
 * random {@code r} (uniform in [-1, 1), seeded), so every output element and every direction of the
 * Jacobian is exercised, not just a sum. The analytic gradient is {@code y.backward(r)}; the
 * numerical one perturbs each element of each input that {@code requiresGrad()} by ±h (as float,
 * dividing by the perturbation actually stored, {@code (float)(x+h) - (float)(x-h)}), evaluates L in
 * double from the float outputs, and takes {@code (L+ - L-) / (x+ - x-)}. Inputs that do not
 * require a gradient (labels, indices, constants) are passed through unchanged. Inputs are
 * perturbed in place, so a function may also reach them by itself: to check a module, pass its
 * parameters after the data, {@code check("fc", in -> fc.forward(in[0]), x, fc.weight, fc.bias)}.
 * Numerical evaluations run under {@code GradMode.noGrad()}, each in its own {@code TensorScope}.
 *
 * <p>Tolerances ({@code |analytic - numeric| <= atol + rtol·|numeric|}): the forward pass runs in
 * float32, so each output carries a rounding error of about {@code 6e-8·|y|} (times a small factor
 * for sums); divided by {@code 2h = 2e-2} that is a few {@code 1e-6} in the numerical derivative.
 * The truncation error of central differences is {@code h²/6·|f'''|}, about {@code 2e-5} for the
 * smooth O(1) functions checked here. The defaults, {@code atol = 1e-3} and {@code rtol = 1e-2},
 * sit well above both (the largest error over this module's checks is about {@code 2e-4}, where
 * a dropout scale of 2 amplifies f''') and far below the error of a wrong gradient (a missing
 * factor, a transposed or mis-indexed term), which is O(|gradient|).
 * A larger h would increase truncation error; a smaller one would let float32 rounding dominate.
 *
 * <p>Kinks break finite differences: use {@link #awayFromZero} for inputs of ReLU (no value
 * within h of 0) and {@link #distinct} for inputs of max-pooling and max reductions (values spaced
 * well over 2h apart, so no perturbation changes which element is the maximum).
 *
 * <pre>{@code
 * Tensor x = GradCheck.uniform(be, rng, -1, 1, 4, 3);
 * Tensor w = GradCheck.uniform(be, rng, -1, 1, 5, 3);
 * GradCheck.check("linear", in -> Arith.linear(in[0], in[1], null), x, w);
 * }</pre>
 */
public final class GradCheck {
    /** Default finite-difference step, sized for float32 forward passes. */
    public static final double DEFAULT_H = 1e-2;
    public static final double DEFAULT_ATOL = 1e-3;
    public static final double DEFAULT_RTOL = 1e-2;

    /** The function under test; it receives the inputs in the order they were given. */
    @FunctionalInterface
    public interface Fn {
        Tensor apply(Tensor[] inputs);
    }

    /** Worst deviations seen by a passing check. */
    public record Report(String what, int elementsChecked, double maxAbsError, double maxRelError) {
        @Override
        public String toString() {
            return String.format("%s: %d elements, max |a-n| = %.3g, max |a-n|/|n| = %.3g",
                    what, elementsChecked, maxAbsError, maxRelError);
        }
    }

    private double h = DEFAULT_H;
    private double atol = DEFAULT_ATOL;
    private double rtol = DEFAULT_RTOL;
    private long seed = 0x5EEDL;

    private GradCheck() {
    }

    /** A check with the default step and tolerances; adjust with the fluent setters. */
    public static GradCheck create() {
        return new GradCheck();
    }

    /** Runs a check with the defaults. */
    public static Report check(String what, Fn f, Tensor... inputs) {
        return create().run(what, f, inputs);
    }

    public GradCheck step(double newH) {
        this.h = newH;
        return this;
    }

    public GradCheck tolerance(double newAtol, double newRtol) {
        this.atol = newAtol;
        this.rtol = newRtol;
        return this;
    }

    /** Seed of the random output weights r. */
    public GradCheck seed(long newSeed) {
        this.seed = newSeed;
        return this;
    }

    /**
     * Compares analytic and numerical gradients of every input that requires a gradient; fails
     * (JUnit assertion) naming the input, the element and both values.
     */
    public Report run(String what, Fn f, Tensor... inputs) {
        List<Integer> checked = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            if (t != null && t.requiresGrad()) {
                if (!t.isLeaf() || t.dtype() != DType.FLOAT32) {
                    throw new IllegalArgumentException(what + ": input " + i + " (" + t.describe()
                            + ") must be a FLOAT32 leaf to be gradient-checked");
                }
                checked.add(i);
            }
        }
        if (checked.isEmpty()) {
            throw new IllegalArgumentException(what + ": no input requires a gradient");
        }

        // ---- analytic: y.backward(r) ----
        float[] r;
        float[][] analytic = new float[inputs.length][];
        try (TensorScope scope = TensorScope.open()) {
            for (int i : checked) {
                inputs[i].zeroGrad();
            }
            Tensor y = f.apply(inputs);
            if (!y.requiresGrad()) {
                fail(what + ": output " + y.describe() + " does not require a gradient");
            }
            r = weights(y.numel());
            y.backward(Tensor.of(y.backend(), r, y.shape().dims()));
            for (int i : checked) {
                Tensor g = inputs[i].grad();
                analytic[i] = g == null ? new float[inputs[i].numel()] : g.toFloatArray();
            }
        }

        // ---- numerical: central differences of L in double ----
        double l0 = loss(f, inputs, r);
        double again = loss(f, inputs, r);
        if (l0 != again) {
            fail(what + ": the function is not deterministic (L = " + l0 + " then " + again
                    + "); fix random seeds before gradient-checking");
        }
        double maxAbs = 0;
        double maxRel = 0;
        int count = 0;
        List<String> failures = new ArrayList<>();
        float[] one = new float[1];
        for (int i : checked) {
            Tensor x = inputs[i];
            float[] values = x.toFloatArray();
            for (int j = 0; j < values.length; j++) {
                float v = values[j];
                float plus = (float) (v + h);
                float minus = (float) (v - h);
                one[0] = plus;
                x.backend().copyIn(one, 0, x, j, 1);
                double lp = loss(f, inputs, r);
                one[0] = minus;
                x.backend().copyIn(one, 0, x, j, 1);
                double lm = loss(f, inputs, r);
                one[0] = v;
                x.backend().copyIn(one, 0, x, j, 1);
                double numeric = (lp - lm) / ((double) plus - (double) minus);
                double a = analytic[i][j];
                double err = Math.abs(a - numeric);
                maxAbs = Math.max(maxAbs, err);
                if (Math.abs(numeric) > 1e-6) {
                    maxRel = Math.max(maxRel, err / Math.abs(numeric));
                }
                count++;
                if (!(err <= atol + rtol * Math.abs(numeric))) {
                    failures.add(String.format("input %d %s element %d %s: analytic %.7g, numeric %.7g (error %.3g)",
                            i, x.describe(), j, Arrays.toString(unravel(j, x.shape().dims())), a, numeric, err));
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(what + ": " + failures.size() + " of " + count + " gradient elements off (atol " + atol
                    + ", rtol " + rtol + ", h " + h + "); first: \n  "
                    + String.join("\n  ", failures.subList(0, Math.min(8, failures.size()))));
        }
        return new Report(what, count, maxAbs, maxRel);
    }

    private double loss(Fn f, Tensor[] inputs, float[] r) {
        try (TensorScope scope = TensorScope.open(); GradMode.Guard g = GradMode.noGrad()) {
            float[] y = f.apply(inputs).toFloatArray();
            if (y.length != r.length) {
                fail("output size changed between evaluations: " + r.length + " then " + y.length);
            }
            double l = 0;
            for (int k = 0; k < y.length; k++) {
                l += (double) y[k] * r[k];
            }
            return l;
        }
    }

    private float[] weights(int n) {
        Random rng = new Random(seed);
        float[] r = new float[n];
        for (int i = 0; i < n; i++) {
            r[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return r;
    }

    private static int[] unravel(int flat, int[] dims) {
        int[] at = new int[dims.length];
        for (int d = dims.length - 1; d >= 0; d--) {
            at[d] = dims[d] == 0 ? 0 : flat % dims[d];
            flat = dims[d] == 0 ? 0 : flat / dims[d];
        }
        return at;
    }

    // ---- inputs that keep finite differences away from kinks ----------------------------------

    /** A leaf requiring a gradient, values uniform in {@code [lo, hi)}. */
    public static Tensor uniform(Backend be, Random rng, double lo, double hi, int... dims) {
        float[] v = new float[count(dims)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        }
        return Tensor.of(be, v, dims).requiresGrad(true);
    }

    /**
     * A leaf requiring a gradient whose values have magnitude in {@code [min, max)} and a random
     * sign: with {@code min} above the step h no perturbation crosses zero (ReLU's kink).
     */
    public static Tensor awayFromZero(Backend be, Random rng, double min, double max, int... dims) {
        float[] v = new float[count(dims)];
        for (int i = 0; i < v.length; i++) {
            double m = min + (max - min) * rng.nextDouble();
            v[i] = (float) (rng.nextBoolean() ? m : -m);
        }
        return Tensor.of(be, v, dims).requiresGrad(true);
    }

    /**
     * A leaf requiring a gradient holding a random permutation of {@code spacing·(k - n/2)},
     * k = 0..n-1: all values distinct and at least {@code spacing} apart, so with spacing above 2h
     * no perturbation changes the position of a maximum (max-pooling, max reductions).
     */
    public static Tensor distinct(Backend be, Random rng, double spacing, int... dims) {
        int n = count(dims);
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) (spacing * (k - n / 2.0));
        }
        for (int k = n - 1; k > 0; k--) {
            int j = rng.nextInt(k + 1);
            float t = v[k];
            v[k] = v[j];
            v[j] = t;
        }
        return Tensor.of(be, v, dims).requiresGrad(true);
    }

    private static int count(int[] dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }
}
