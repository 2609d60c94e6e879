package org.hvd4j.tensor.ops;

import static org.hvd4j.tensor.ops.ArithGradTest.report;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/** Batch normalisation: gradients in training and evaluation mode, running statistics. */
class NormalizationGradTest {
    private static final Backend B = CpuBackend.get();

    @Test
    void trainingMode2dAnd4d() {
        Random rng = new Random(1);
        Tensor x2 = GradCheck.uniform(B, rng, -2, 2, 6, 4);
        Tensor g2 = GradCheck.uniform(B, rng, 0.5, 1.5, 4);
        Tensor b2 = GradCheck.uniform(B, rng, -1, 1, 4);
        report(GradCheck.check("batchNorm train [6,4]", in -> Normalization.batchNorm(in[0], in[1], in[2],
                null, null, true, 0.1f, 1e-5f), x2, g2, b2));
        Tensor x4 = GradCheck.uniform(B, rng, -2, 2, 3, 2, 3, 4);
        Tensor g4 = GradCheck.uniform(B, rng, 0.5, 1.5, 2);
        Tensor b4 = GradCheck.uniform(B, rng, -1, 1, 2);
        Tensor rm = Tensor.zeros(B, 2);
        Tensor rv = Tensor.full(B, 1f, 2);
        report(GradCheck.check("batchNorm train [3,2,3,4]", in -> Normalization.batchNorm(in[0], in[1], in[2],
                rm, rv, true, 0.1f, 1e-5f), x4, g4, b4));
    }

    @Test
    void evalModeUsesRunningStatistics() {
        Random rng = new Random(2);
        Tensor x = GradCheck.uniform(B, rng, -2, 2, 3, 2, 2, 3);
        Tensor gamma = GradCheck.uniform(B, rng, 0.5, 1.5, 2);
        Tensor beta = GradCheck.uniform(B, rng, -1, 1, 2);
        Tensor rm = Tensor.of(B, new float[] {0.3f, -0.2f}, 2);
        Tensor rv = Tensor.of(B, new float[] {0.8f, 1.7f}, 2);
        report(GradCheck.check("batchNorm eval [3,2,2,3]", in -> Normalization.batchNorm(in[0], in[1], in[2],
                rm, rv, false, 0.1f, 1e-5f), x, gamma, beta));
        float[] y = Normalization.batchNorm(x, gamma, beta, rm, rv, false, 0.1f, 1e-5f).toFloatArray();
        float[] xv = x.toFloatArray();
        float[] gv = gamma.toFloatArray();
        float[] bv = beta.toFloatArray();
        float[] mv = {0.3f, -0.2f};
        float[] vv = {0.8f, 1.7f};
        for (int i = 0; i < xv.length; i++) {
            int c = (i / 6) % 2;
            assertEquals((xv[i] - mv[c]) / Math.sqrt(vv[c] + 1e-5) * gv[c] + bv[c], y[i], 1e-5);
        }
        // eval mode leaves the running buffers alone
        org.junit.jupiter.api.Assertions.assertArrayEquals(mv, rm.toFloatArray(), 0f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(vv, rv.toFloatArray(), 0f);
    }

    @Test
    void trainingUpdatesRunningStatisticsWithUnbiasedVariance() {
        float[] xv = {1, 10, 2, 20, 3, 30, 6, 60}; // [4, 2]: channel 0 = 1,2,3,6; channel 1 = 10,20,30,60
        Tensor rm = Tensor.of(B, new float[] {1f, 2f}, 2);
        Tensor rv = Tensor.of(B, new float[] {3f, 4f}, 2);
        Tensor y = Normalization.batchNorm(Tensor.of(B, xv, 4, 2), Tensor.full(B, 1f, 2), Tensor.zeros(B, 2),
                rm, rv, true, 0.25f, 0f);
        // channel 0: mean 3, biased var 3.5, unbiased 14/3; channel 1: mean 30, unbiased 1400/3
        float[] m = rm.toFloatArray();
        float[] v = rv.toFloatArray();
        assertEquals(0.75 * 1 + 0.25 * 3, m[0], 1e-6);
        assertEquals(0.75 * 2 + 0.25 * 30, m[1], 1e-5);
        assertEquals(0.75 * 3 + 0.25 * 14.0 / 3, v[0], 1e-5);
        assertEquals(0.75 * 4 + 0.25 * 1400.0 / 3, v[1], 1e-3);
        // the output uses the biased batch variance
        assertEquals((1 - 3) / Math.sqrt(3.5), y.toFloatArray()[0], 1e-5);
        assertThrows(IllegalArgumentException.class, () -> Normalization.batchNorm(Tensor.zeros(B, 1, 2),
                Tensor.full(B, 1f, 2), Tensor.zeros(B, 2), null, null, true, 0.1f, 1e-5f));
    }
}
