package org.hvd4j.tensor.cpu;

import static org.hvd4j.tensor.cpu.KernelTestSupport.B;
import static org.hvd4j.tensor.cpu.KernelTestSupport.assertClose;
import static org.hvd4j.tensor.cpu.KernelTestSupport.tensor;
import static org.hvd4j.tensor.cpu.KernelTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.hvd4j.tensor.BinaryOp;
import org.hvd4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Elementwise kernels and the bias broadcast/reduction against double loops. */
class CpuElementwiseTest {
    /** Above 2 × the parallel grain, so the split across threads is exercised too. */
    private static final int BIG = 3 * CpuElementwise.GRAIN + 17;

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void binaryMatchesReferenceOnViewsWithOffsets(BinaryOp op) {
        Random rng = new Random(op.ordinal() + 1);
        for (int n : new int[] {1, 13, BIG}) {
            // 'a' and 'out' are views that start inside their storage (non-zero tensor offset)
            Tensor aBase = tensor(uniform(rng, n + 3, 0.5, 2.0), n + 3);
            Tensor a = aBase.reshape(n + 3, 1).narrowRows(3, n + 3).reshape(n);
            Tensor b = tensor(uniform(rng, n, 0.5, 2.0), n);
            Tensor outBase = Tensor.full(B, 42f, n + 1);
            Tensor out = outBase.reshape(n + 1, 1).narrowRows(1, n + 1).reshape(n);
            B.binary(op, a, b, out);
            float[] av = a.toFloatArray();
            float[] bv = b.toFloatArray();
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                expected[i] = switch (op) {
                    case ADD -> (double) av[i] + bv[i];
                    case SUB -> (double) av[i] - bv[i];
                    case MUL -> (double) av[i] * bv[i];
                    case DIV -> (double) av[i] / bv[i];
                };
            }
            assertClose(op + " n=" + n, expected, out.toFloatArray(), 0, 1e-7);
            org.junit.jupiter.api.Assertions.assertEquals(42f, outBase.toFloatArray()[0], "element before the view");
        }
    }

    @Test
    void binaryRejectsDifferentElementCounts() {
        Tensor a = Tensor.zeros(B, 4);
        Tensor b = Tensor.zeros(B, 5).name("rhs");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> B.binary(BinaryOp.ADD, a, b, Tensor.zeros(B, 4)));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("'rhs'"), e.getMessage());
    }

    @Test
    void axpbyAndScale() {
        Random rng = new Random(2);
        for (int n : new int[] {7, BIG}) {
            float[] x = uniform(rng, n);
            float[] y = uniform(rng, n);
            Tensor xt = tensor(x, n);
            Tensor yt = tensor(y, n);
            B.axpby(0.75f, xt, -1.25f, yt);
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                expected[i] = 0.75 * x[i] - 1.25 * y[i];
            }
            assertClose("axpby", expected, yt.toFloatArray(), 1e-7, 1e-6);

            Tensor out = Tensor.empty(B, n);
            B.scale(xt, -3.5f, out);
            for (int i = 0; i < n; i++) {
                expected[i] = -3.5 * x[i];
            }
            assertClose("scale", expected, out.toFloatArray(), 0, 1e-7);
            // in place
            B.scale(xt, 2f, xt);
            for (int i = 0; i < n; i++) {
                expected[i] = 2.0 * x[i];
            }
            assertClose("scale in place", expected, xt.toFloatArray(), 0, 0);
        }
    }

    @Test
    void fillWritesEveryElementOfTheViewOnly() {
        Tensor base = Tensor.zeros(B, 5, 3);
        B.fill(base.narrowRows(1, 4), 2.5f);
        assertArrayEquals(new float[] {0, 0, 0, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 0, 0, 0},
                base.toFloatArray(), 0f);
    }

    @Test
    void addBiasAndSumBiasOverOuterChannelsInner() {
        Random rng = new Random(3);
        int[][] cases = {{3, 4, 5}, {1, 6, 1}, {7, 1, 3}, {64, 8, 200}};
        for (int[] cs : cases) {
            int outer = cs[0];
            int channels = cs[1];
            int inner = cs[2];
            int n = outer * channels * inner;
            float[] x = uniform(rng, n);
            float[] bias = uniform(rng, channels);
            Tensor out = Tensor.empty(B, n);
            B.addBias(tensor(x, n), tensor(bias, channels), outer, channels, inner, out);
            double[] expected = new double[n];
            for (int o = 0; o < outer; o++) {
                for (int c = 0; c < channels; c++) {
                    for (int i = 0; i < inner; i++) {
                        int at = (o * channels + c) * inner + i;
                        expected[at] = (double) x[at] + bias[c];
                    }
                }
            }
            assertClose("addBias " + java.util.Arrays.toString(cs), expected, out.toFloatArray(), 0, 1e-7);

            double[] sums = new double[channels];
            double[] mags = new double[channels];
            for (int o = 0; o < outer; o++) {
                for (int c = 0; c < channels; c++) {
                    for (int i = 0; i < inner; i++) {
                        sums[c] += x[(o * channels + c) * inner + i];
                        mags[c] += Math.abs(x[(o * channels + c) * inner + i]);
                    }
                }
            }
            Tensor g = Tensor.full(B, 100f, channels);
            B.sumBias(tensor(x, n), outer, channels, inner, g, false);
            float[] got = g.toFloatArray();
            for (int c = 0; c < channels; c++) {
                org.junit.jupiter.api.Assertions.assertEquals(sums[c], got[c], 1e-6 * mags[c] + 1e-6, "sumBias c=" + c);
            }
            B.sumBias(tensor(x, n), outer, channels, inner, g, true);
            got = g.toFloatArray();
            for (int c = 0; c < channels; c++) {
                org.junit.jupiter.api.Assertions.assertEquals(2 * sums[c], got[c], 2e-6 * mags[c] + 1e-6,
                        "sumBias accumulate c=" + c);
            }
        }
    }
}
