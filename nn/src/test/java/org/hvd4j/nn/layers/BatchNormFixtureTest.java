package org.hvd4j.nn.layers;

import static org.hvd4j.nn.Approx.assertMatches;
import static org.hvd4j.nn.Approx.leaf;
import static org.hvd4j.nn.Approx.load;
import static org.hvd4j.nn.Approx.tensor;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hvd4j.nn.fixtures.Fixture;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * BatchNorm1d/2d against PyTorch's {@code F.batch_norm}: training mode (batch statistics, the
 * running buffers updated with momentum 0.1 and the unbiased variance) and evaluation mode
 * (running statistics used, buffers unchanged).
 */
class BatchNormFixtureTest {

    private static BatchNorm build(Fixture f, Tensor x) {
        int channels = x.dim(1);
        BatchNorm bn = BatchNorm.of(CpuBackend.get(), channels, x.shape().rank(), (float) f.param("eps"),
                (float) f.param("momentum"));
        load(f, "weight", bn.weight());
        load(f, "bias", bn.bias());
        return bn;
    }

    @ParameterizedTest
    @ValueSource(strings = {"batchnorm1d_train", "batchnorm2d_train"})
    void trainingModeMatchesPyTorch(String name) {
        Fixture f = Fixture.load(name);
        assertTrue(f.flag("training"));
        Tensor x = leaf(f, "x");
        BatchNorm bn = build(f, x);
        load(f, "running_mean_in", bn.runningMean());
        load(f, "running_var_in", bn.runningVar());
        bn.train();

        Tensor y = bn.forward(x);
        assertMatches(f, "y", y);
        assertMatches(f, "running_mean_out", bn.runningMean());
        assertMatches(f, "running_var_out", bn.runningVar());

        y.backward(tensor(f, "gy"));
        // grad_x = γ·invStd/M·(M·g - Σg - x̂·Σ(g·x̂)) is a difference of terms of size |g|·γ·invStd
        // that nearly cancel in its small elements; the atol floor (1e-6, ~10 float32 ulps of
        // the O(1) terms) covers those, the relative bound all others.
        assertMatches(f, "grad_x", x.grad());
        assertMatches(f, "grad_weight", bn.weight().grad());
        assertMatches(f, "grad_bias", bn.bias().grad());
    }

    @Test
    void evalModeUsesRunningStatisticsAndLeavesThemAlone() {
        Fixture f = Fixture.load("batchnorm2d_eval");
        assertFalse(f.flag("training"));
        Tensor x = leaf(f, "x");
        BatchNorm bn = build(f, x);
        load(f, "running_mean", bn.runningMean());
        load(f, "running_var", bn.runningVar());
        bn.eval();

        Tensor y = bn.forward(x);
        assertMatches(f, "y", y);
        assertMatches(f, "running_mean", bn.runningMean(), 0, 0);
        assertMatches(f, "running_var", bn.runningVar(), 0, 0);

        y.backward(tensor(f, "gy"));
        assertMatches(f, "grad_x", x.grad());
        assertMatches(f, "grad_weight", bn.weight().grad());
        assertMatches(f, "grad_bias", bn.bias().grad());
    }

    @Test
    void badSettingsAreRejectedNamingTheValue() {
        for (float[] bad : new float[][] {{0f, 0.1f}, {Float.NaN, 0.1f}, {1e-5f, -0.1f}, {1e-5f, 1.5f}, {1e-5f, Float.NaN}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> BatchNorm.of(CpuBackend.get(), 3, 4, bad[0], bad[1]));
            assertTrue(e.getMessage().contains("eps " + bad[0]) && e.getMessage().contains("momentum " + bad[1]),
                    e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BatchNorm.d2(CpuBackend.get(), 3).forward(Tensor.zeros(CpuBackend.get(), 2, 4, 5, 5)));
        assertTrue(e.getMessage().contains("BatchNorm2d(3)") && e.getMessage().contains("[2, 4, 5, 5]"), e.getMessage());
    }
}
