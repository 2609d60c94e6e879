package org.hvd4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.hvd4j.tensor.ops.Arith;
import org.hvd4j.tensor.ops.GradCheck;
import org.opentest4j.AssertionFailedError;

/**
 * Shared helpers of the layer gradient checks ({@code *GradCheckTest} in this package), which
 * compare each layer's autograd gradients, for its input and its own parameters, with central
 * differences ({@link GradCheck} from the tensor module's test-jar, default step and tolerances).
 *
 * <p>A module is checked by passing its parameters after the data: GradCheck perturbs them in
 * place, so {@code in -> layer.forward(in[0])} sees the perturbation through the layer's own fields.
 *
 * <p>Each check must be able to fail: {@link #assertCatchesSkew} re-runs a check on the same
 * function and inputs with every analytic gradient made 10% too large (the forward values are
 * unchanged, bit for bit) and expects GradCheck to reject it, which shows that the inputs and
 * tolerances chosen for that layer are tight enough to see a wrong gradient.
 */
abstract class LayerGradCheckTest {
    static final Backend B = CpuBackend.get();

    /** Runs a default check, prints its report and checks that every requested element was compared. */
    static GradCheck.Report check(String what, GradCheck.Fn f, Tensor... inputs) {
        GradCheck.Report r = GradCheck.check(what, f, inputs);
        int expected = 0;
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                expected += t.numel();
            }
        }
        assertEquals(expected, r.elementsChecked(), what);
        System.out.println("gradcheck " + r);
        return r;
    }

    /**
     * {@code f} with the same forward values but a backward scaled by {@code 1 + by}:
     * {@code y + by·(y - detach(y))} (the added term is exactly zero in the forward pass).
     */
    static GradCheck.Fn skewed(GradCheck.Fn f, float by) {
        return in -> {
            Tensor y = f.apply(in);
            return Arith.add(y, Arith.scale(Arith.sub(y, y.detach()), by));
        };
    }

    /** The check of {@code f} on these inputs rejects gradients that are 10% too large. */
    static void assertCatchesSkew(String what, GradCheck.Fn f, Tensor... inputs) {
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> GradCheck.check(what + " with gradients 10% too large", skewed(f, 0.1f), inputs),
                what + ": a 10% gradient error went unnoticed");
        assertTrue(e.getMessage().contains("analytic") && e.getMessage().contains("numeric"), e.getMessage());
    }

    /** Overwrites {@code t} (a parameter or buffer) with values uniform in {@code [lo, hi)}. */
    static void fill(Tensor t, Random rng, double lo, double hi) {
        float[] v = new float[t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        }
        set(t, v);
    }

    /** Overwrites {@code t} with {@code v}. */
    static void set(Tensor t, float[] v) {
        assertEquals(t.numel(), v.length, "values for " + t.describe());
        t.backend().copyIn(v, 0, t, 0, v.length);
    }
}
