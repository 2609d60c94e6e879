package org.hvd4j.nn.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.layers.BatchNorm;
import org.hvd4j.nn.layers.Conv2d;
import org.hvd4j.nn.layers.Embedding;
import org.hvd4j.nn.layers.Linear;
import org.hvd4j.nn.models.Models;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Initialisers follow torch.nn.init: bounds and spreads are checked on large tensors, where the
 * sample statistics are tight (each tolerance below is at least 5 standard errors of its estimate).
 */
class InitTest {
    private static final CpuBackend CPU = CpuBackend.get();

    @AfterEach
    void restoreGlobalSeed() {
        Rng.manualSeed(0x5EED);
    }

    /** Sample mean and variance (about the true mean 0) of the values. */
    private static double[] meanAndVariance(float[] v) {
        double s = 0;
        double ss = 0;
        for (float x : v) {
            s += x;
            ss += (double) x * x;
        }
        return new double[] {s / v.length, ss / v.length};
    }

    private static void assertUniform(float[] v, double bound, String what) {
        double maxAbs = 0;
        for (float x : v) {
            maxAbs = Math.max(maxAbs, Math.abs(x));
        }
        assertTrue(maxAbs <= bound, what + ": max |value| " + maxAbs + " exceeds the bound " + bound);
        assertTrue(maxAbs > 0.99 * bound, what + ": max |value| " + maxAbs + " should reach the bound " + bound);
        double[] mv = meanAndVariance(v);
        double var = bound * bound / 3; // variance of U(-b, b)
        // sd of the sample variance of U(-b,b) is b²·sqrt(4/45)/sqrt(n): 3e-3 relative for n = 10^4..
        double relTol = 5 * Math.sqrt(4.0 / 45) / Math.sqrt(v.length) / (1.0 / 3);
        assertEquals(var, mv[1], relTol * var, what + " variance");
        assertEquals(0, mv[0], 5 * Math.sqrt(var / v.length), what + " mean");
    }

    @Test
    void linearDefaultIsUniformWithBoundOneOverSqrtFanIn() {
        Linear l = new Linear(CPU, 1024, 512, true, new Rng(1));
        double bound = 1 / Math.sqrt(1024);
        assertUniform(l.weight().toFloatArray(), bound, "Linear(1024, 512).weight"); // 524288 values
        float[] b = l.bias().toFloatArray();
        for (float x : b) {
            assertTrue(Math.abs(x) <= bound, "bias " + x + " within " + bound);
        }
        assertEquals(0, meanAndVariance(b)[0], 5 * bound / Math.sqrt(3 * b.length), "bias mean");
    }

    @Test
    void conv2dDefaultIsUniformWithBoundOneOverSqrtFanIn() {
        Conv2d c = new Conv2d(CPU, 32, 64, 5, 1, 2, true, new Rng(2));
        double bound = 1 / Math.sqrt(32 * 5 * 5);
        assertUniform(c.weight().toFloatArray(), bound, "Conv2d(32, 64, 5).weight"); // 51200 values
        for (float x : c.bias().toFloatArray()) {
            assertTrue(Math.abs(x) <= bound);
        }
    }

    @Test
    void kaimingNormalStd() {
        Tensor t = Tensor.empty(CPU, 256, 1024);
        Init.kaimingNormal(t, 0, new Rng(3)); // ReLU gain √2: std √(2/fanIn)
        double std = Math.sqrt(2.0 / 1024);
        double[] mv = meanAndVariance(t.toFloatArray());
        // sample variance of a normal: relative sd √(2/n) = 0.0039 for n = 262144
        assertEquals(std * std, mv[1], 5 * Math.sqrt(2.0 / t.numel()) * std * std, "variance");
        assertEquals(0, mv[0], 5 * std / Math.sqrt(t.numel()), "mean");

        Tensor conv = Tensor.empty(CPU, 64, 32, 3, 3);
        Init.kaimingNormal(conv, Math.sqrt(5), new Rng(4)); // gain √(2/6), fanIn 288
        double std2 = Math.sqrt(2.0 / 6) / Math.sqrt(288);
        assertEquals(std2 * std2, meanAndVariance(conv.toFloatArray())[1],
                5 * Math.sqrt(2.0 / conv.numel()) * std2 * std2, "conv variance");
    }

    @Test
    void xavierUniformBound() {
        Tensor t = Tensor.empty(CPU, 400, 600);
        Init.xavierUniform(t, 1.0, new Rng(5));
        assertUniform(t.toFloatArray(), Math.sqrt(6.0 / (400 + 600)), "xavierUniform [400, 600]");
        Tensor g = Tensor.empty(CPU, 300, 100);
        Init.xavierUniform(g, 2.0, new Rng(6));
        assertUniform(g.toFloatArray(), 2.0 * Math.sqrt(6.0 / 400), "xavierUniform gain 2");
    }

    @Test
    void fansAsPyTorch() {
        Tensor w = Tensor.empty(CPU, 64, 32, 5, 3);
        assertEquals(32 * 15, Init.fanIn(w));
        assertEquals(64 * 15, Init.fanOut(w));
        assertEquals(Math.sqrt(2.0), Init.leakyReluGain(0), 1e-15);
        assertEquals(Math.sqrt(1.0 / 3), Init.leakyReluGain(Math.sqrt(5)), 1e-15);
    }

    @Test
    void sameSeedSameWeights() {
        Linear a = new Linear(CPU, 50, 20, true, new Rng(11));
        Linear b = new Linear(CPU, 50, 20, true, new Rng(11));
        Linear c = new Linear(CPU, 50, 20, true, new Rng(12));
        assertArrayEquals(a.weight().toFloatArray(), b.weight().toFloatArray());
        assertArrayEquals(a.bias().toFloatArray(), b.bias().toFloatArray());
        assertFalse(Arrays.equals(a.weight().toFloatArray(), c.weight().toFloatArray()));

        // the global generator: manualSeed before building makes the model a function of the seed
        Rng.manualSeed(2024);
        Module m1 = Models.create("mlp", CPU);
        Rng.manualSeed(2024);
        Module m2 = Models.create("mlp", CPU);
        Rng.manualSeed(2025);
        Module m3 = Models.create("mlp", CPU);
        List<Tensor> p1 = m1.parameters();
        List<Tensor> p2 = m2.parameters();
        for (int i = 0; i < p1.size(); i++) {
            assertArrayEquals(p1.get(i).toFloatArray(), p2.get(i).toFloatArray(), p1.get(i).name());
        }
        assertFalse(Arrays.equals(p1.get(0).toFloatArray(), m3.parameters().get(0).toFloatArray()));
    }

    @Test
    void batchNormStartsAtIdentity() {
        BatchNorm bn = BatchNorm.d2(CPU, 6);
        float[] ones = new float[6];
        Arrays.fill(ones, 1f);
        assertArrayEquals(ones, bn.weight().toFloatArray(), "gamma 1");
        assertArrayEquals(new float[6], bn.bias().toFloatArray(), "beta 0");
        assertArrayEquals(new float[6], bn.runningMean().toFloatArray(), "running mean 0");
        assertArrayEquals(ones, bn.runningVar().toFloatArray(), "running var 1");
        assertTrue(bn.weight().requiresGrad() && bn.bias().requiresGrad());
        assertFalse(bn.runningMean().requiresGrad() || bn.runningVar().requiresGrad());
    }

    @Test
    void embeddingIsStandardNormal() {
        Embedding e = new Embedding(CPU, 1000, 100, new Rng(8));
        double[] mv = meanAndVariance(e.weight().toFloatArray());
        assertEquals(1.0, mv[1], 5 * Math.sqrt(2.0 / 100_000), "variance");
        assertEquals(0.0, mv[0], 5 / Math.sqrt(100_000), "mean");
    }
}
