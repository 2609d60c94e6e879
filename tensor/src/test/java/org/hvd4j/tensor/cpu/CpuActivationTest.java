package org.hvd4j.tensor.cpu;

import static org.hvd4j.tensor.cpu.KernelTestSupport.B;
import static org.hvd4j.tensor.cpu.KernelTestSupport.assertClose;
import static org.hvd4j.tensor.cpu.KernelTestSupport.tensor;
import static org.hvd4j.tensor.cpu.KernelTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.hvd4j.tensor.Activation;
import org.hvd4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Activations and their derivatives against double formulas; erf against tabulated values. */
class CpuActivationTest {

    /** erf at a few points, from a correctly rounded libm (Python's math.erf). */
    private static final double[][] ERF_TABLE = {
        {0.1, 0.1124629160182849},
        {0.5, 0.5204998778130465},
        {1.0, 0.8427007929497149},
        {2.0, 0.9953222650189527},
        {-3.0, -0.9999779095030014},
        {5.0, 0.9999999999984626},
        {0.3, 0.3286267594591274},
        {0.46875, 0.49261347321793797},
        {3.5, 0.9999992569016276},
        {4.0, 0.9999999845827421},
        {0.0, 0.0},
        {30.0, 1.0},
        {-30.0, -1.0},
    };

    @Test
    void erfMatchesKnownValuesTo1e12() {
        for (double[] row : ERF_TABLE) {
            assertEquals(row[1], Erf.erf(row[0]), 1e-12, "erf(" + row[0] + ")");
            assertEquals(row[1], RefMath.erf(row[0]), 1e-12, "test reference erf(" + row[0] + ")");
        }
    }

    @Test
    void erfIsOddAndContinuousAcrossItsBranchPoints() {
        Random rng = new Random(1);
        for (int i = 0; i < 2000; i++) {
            double x = rng.nextDouble() * 12 - 6;
            assertEquals(-Erf.erf(x), Erf.erf(-x), 0.0, "odd at " + x);
            assertEquals(RefMath.erf(x), Erf.erf(x), 1e-12, "erf(" + x + ")");
        }
        for (double edge : new double[] {0.46875, 4.0}) {
            assertEquals(Erf.erf(Math.nextDown(edge)), Erf.erf(edge), 1e-15, "jump at " + edge);
            assertEquals(Erf.erf(edge), Erf.erf(Math.nextUp(edge)), 1e-15, "jump at " + edge);
        }
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void forwardAndBackwardMatchDoubleFormulas(Activation fn) {
        Random rng = new Random(fn.ordinal() + 10);
        int n = 3 * CpuElementwise.GRAIN + 5; // parallel path
        float[] x = uniform(rng, n, -6, 6);
        x[0] = 0f;
        x[1] = -0f;
        x[2] = 30f;
        x[3] = -30f;
        x[4] = 1e-30f;
        float[] go = uniform(rng, n);
        Tensor xt = tensor(x, n);
        Tensor yt = Tensor.empty(B, n);
        B.activation(fn, xt, yt);
        Tensor gi = Tensor.empty(B, n);
        B.activationBackward(fn, xt, yt, tensor(go, n), gi);

        double[] y = new double[n];
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            double v = x[i];
            double d;
            switch (fn) {
                case RELU -> {
                    y[i] = Math.max(v, 0);
                    d = v > 0 ? 1 : 0;
                }
                case GELU -> {
                    y[i] = RefMath.gelu(v);
                    d = RefMath.geluDerivative(v);
                }
                case TANH -> {
                    y[i] = Math.tanh(v);
                    d = 1 - y[i] * y[i];
                }
                case SIGMOID -> {
                    y[i] = 1 / (1 + Math.exp(-v));
                    d = y[i] * (1 - y[i]);
                }
                default -> throw new IllegalStateException();
            }
            g[i] = go[i] * d;
        }
        float[] yv = yt.toFloatArray();
        assertClose(fn + " forward", y, yv, 1e-7, 1e-6);
        // tanh and sigmoid derive from the float output, so allow its rounding (~1e-7) to propagate
        assertClose(fn + " backward", g, gi.toFloatArray(), 3e-7, 1e-6);
        for (float v : yv) {
            org.junit.jupiter.api.Assertions.assertTrue(Float.isFinite(v), fn + " produced " + v);
        }
    }

    @Test
    void reluBackwardFromInputWhenOutputIsNotGiven() {
        float[] x = {-2f, -0f, 0f, 1e-20f, 3f};
        Tensor gi = Tensor.empty(B, 5);
        B.activationBackward(Activation.RELU, tensor(x, 5), null, tensor(new float[] {1, 2, 3, 4, 5}, 5), gi);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {0, 0, 0, 4, 5}, gi.toFloatArray(), 0f);
    }

    @Test
    void geluAtKnownPoints() {
        // gelu(1) = 0.5 (1 + erf(1/sqrt 2)) = 0.8413447460685429; gelu(-1) = -0.15865525393145707
        Tensor y = Tensor.empty(B, 3);
        B.activation(Activation.GELU, tensor(new float[] {1f, -1f, 0f}, 3), y);
        float[] v = y.toFloatArray();
        assertEquals(0.8413447460685429, v[0], 1e-7);
        assertEquals(-0.15865525393145707, v[1], 1e-7);
        assertEquals(0.0, v[2], 0.0);
    }
}
