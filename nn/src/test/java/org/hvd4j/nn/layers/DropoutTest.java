package org.hvd4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/** Inverted dropout: identity in eval; in training zeroes ~p of the elements and scales the rest by 1/(1-p). */
class DropoutTest {
    private static final int N = 100_000;

    private static Tensor ones() {
        return Tensor.full(CpuBackend.get(), 1f, N);
    }

    @Test
    void evalModeIsIdentity() {
        Dropout d = new Dropout(0.5f, 7);
        d.eval();
        Tensor x = Tensor.of(CpuBackend.get(), new float[] {1, -2, 3, 0.25f}, 2, 2).requiresGrad(true);
        Tensor y = d.forward(x);
        assertSame(x, y);
        assertArrayEquals(new float[] {1, -2, 3, 0.25f}, y.toFloatArray());
    }

    @Test
    void trainModeZeroesAboutPAndScalesTheRest() {
        for (float p : new float[] {0.1f, 0.3f, 0.5f, 0.9f}) {
            float[] y = new Dropout(p, 1234).forward(ones()).toFloatArray();
            int zeros = 0;
            float keep = 1f / (1f - p);
            for (float v : y) {
                if (v == 0f) {
                    zeros++;
                } else {
                    assertEquals(keep, v, 0f, "kept elements are scaled by exactly 1/(1-p)");
                }
            }
            // binomial(N, p): within 5 standard deviations (a false failure has odds ~1e-6)
            double sd = Math.sqrt(N * p * (1 - p));
            assertEquals(N * p, zeros, 5 * sd, "zeroed count for p " + p);
        }
    }

    @Test
    void expectationIsPreserved() {
        float[] y = new Dropout(0.25f, 99).forward(ones()).toFloatArray();
        double mean = 0;
        for (float v : y) {
            mean += v;
        }
        mean /= N;
        // mean of y is 1 in expectation; sd = sqrt(p/(1-p)/N) ≈ 0.0018
        assertEquals(1.0, mean, 0.01);
    }

    @Test
    void sameSeedSameMasksAndEachCallDraws() {
        Dropout a = new Dropout(0.5f, 42);
        Dropout b = new Dropout(0.5f, 42);
        float[] a1 = a.forward(ones()).toFloatArray();
        float[] b1 = b.forward(ones()).toFloatArray();
        assertArrayEquals(a1, b1, "same seed, same first mask");
        float[] a2 = a.forward(ones()).toFloatArray();
        float[] b2 = b.forward(ones()).toFloatArray();
        assertArrayEquals(a2, b2, "same seed, same second mask");
        assertFalse(Arrays.equals(a1, a2), "a new mask per call");
        assertFalse(Arrays.equals(a1, new Dropout(0.5f, 43).forward(ones()).toFloatArray()), "seed matters");
    }

    @Test
    void gradientIsTheMask() {
        Dropout d = new Dropout(0.4f, 5);
        Tensor x = Tensor.of(CpuBackend.get(), new float[1000], 1000).requiresGrad(true);
        Tensor y = d.forward(x);
        y.backward(Tensor.full(CpuBackend.get(), 1f, 1000));
        float[] mask = new Dropout(0.4f, 5).forward(Tensor.full(CpuBackend.get(), 1f, 1000)).toFloatArray();
        assertArrayEquals(mask, x.grad().toFloatArray());
    }

    @Test
    void zeroProbabilityIsIdentityAndBadProbabilitiesAreRejected() {
        Tensor x = ones();
        assertSame(x, new Dropout(0f, 1).forward(x));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Dropout(1f, 1));
        assertTrue(e.getMessage().contains("1.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Dropout(-0.1f, 1));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(Float.NaN, 1));
    }
}
