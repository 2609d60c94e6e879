package org.hvd4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuRandom;
import org.hvd4j.tensor.ops.Activations;
import org.hvd4j.tensor.ops.GradCheck;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/**
 * Dropout in training mode. The layer draws a new mask on every call (call k uses the seed
 * {@code mix(seed + k)}), so one instance cannot be evaluated repeatedly by finite differences;
 * a fresh layer with a fixed seed, whose first call always uses {@code mix(seed)}, has the same
 * mask on every evaluation and is checked instead. The op itself is checked with the seed of a
 * later call, and one call of a used layer must give the gradient "mask times upstream".
 */
class DropoutGradCheckTest extends LayerGradCheckTest {
    private static final long SEED = 0xD0_0D;

    @Test
    void freshLayerWithFixedSeed() {
        Tensor x = GradCheck.uniform(B, new Random(1), -1, 1, 4, 10);
        GradCheck.Fn f = in -> new Dropout(0.3f, SEED).forward(in[0]);
        check("Dropout(p 0.3) train, fresh layer", f, x);
        // and with a non-linear function after it, as in a network
        GradCheck.Fn g = in -> Activations.tanh(new Dropout(0.5f, SEED).forward(in[0]));
        check("tanh(Dropout(p 0.5)) train, fresh layer", g, x);
        assertCatchesSkew("Dropout", g, x);
        float[] y = new Dropout(0.3f, SEED).forward(x).toFloatArray();
        assertTrue(countZeros(y) > 0 && countZeros(y) < y.length, "some but not all elements are dropped");
    }

    @Test
    void reusedLayerIsRejectedAsNonDeterministic() {
        Tensor x = GradCheck.uniform(B, new Random(2), -1, 1, 4, 10);
        Dropout d = new Dropout(0.5f, SEED);
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> GradCheck.check("Dropout, one instance", in -> d.forward(in[0]), x));
        assertTrue(e.getMessage().contains("not deterministic"), e.getMessage());
    }

    @Test
    void opWithTheSeedOfALaterCall() {
        Tensor x = GradCheck.uniform(B, new Random(3), -1, 1, 3, 7);
        long seed = CpuRandom.mix(SEED + 1);
        GradCheck.Fn f = in -> org.hvd4j.tensor.ops.Dropout.dropout(in[0], 0.4f, seed, true);
        check("ops.Dropout(p 0.4, seed mix(SEED + 1))", f, x);
        assertCatchesSkew("ops.Dropout", f, x);
    }

    @Test
    void layerGradientIsMaskTimesUpstreamOnEveryCall() {
        Random rng = new Random(4);
        float p = 0.4f;
        Dropout d = new Dropout(p, SEED);
        float[] previous = null;
        for (int k = 0; k < 3; k++) {
            Tensor x = GradCheck.uniform(B, rng, -1, 1, 5, 8);
            Tensor up = GradCheck.uniform(B, rng, -1, 1, 5, 8).requiresGrad(false);
            Tensor y = d.forward(x);
            y.backward(up);
            // call k's mask, from the op with the same seed: 0 or 1/(1-p)
            float[] mask = org.hvd4j.tensor.ops.Dropout.dropout(Tensor.full(B, 1f, 5, 8), p,
                    CpuRandom.mix(SEED + k), true).toFloatArray();
            float[] u = up.toFloatArray();
            float[] xv = x.toFloatArray();
            float[] expectedGrad = new float[u.length];
            float[] expectedY = new float[u.length];
            for (int i = 0; i < u.length; i++) {
                expectedGrad[i] = mask[i] * u[i];
                expectedY[i] = mask[i] * xv[i];
            }
            assertArrayEquals(expectedY, y.toFloatArray(), 1e-6f, "call " + k + ": y = mask · x");
            assertArrayEquals(expectedGrad, x.grad().toFloatArray(), 1e-6f, "call " + k + ": dx = mask · upstream");
            assertFalse(Arrays.equals(previous, mask), "call " + k + " draws a new mask");
            previous = mask;
        }
    }

    @Test
    void evalModeGradientIsUpstream() {
        Dropout d = new Dropout(0.5f, SEED);
        d.eval();
        Tensor x = GradCheck.uniform(B, new Random(5), -1, 1, 3, 4);
        check("Dropout eval (identity)", in -> Activations.tanh(d.forward(in[0])), x);
    }

    private static int countZeros(float[] v) {
        int n = 0;
        for (float f : v) {
            if (f == 0f) {
                n++;
            }
        }
        return n;
    }
}
