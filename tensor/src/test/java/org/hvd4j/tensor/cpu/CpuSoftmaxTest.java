package org.hvd4j.tensor.cpu;

import static org.hvd4j.tensor.cpu.KernelTestSupport.B;
import static org.hvd4j.tensor.cpu.KernelTestSupport.assertClose;
import static org.hvd4j.tensor.cpu.KernelTestSupport.ints;
import static org.hvd4j.tensor.cpu.KernelTestSupport.tensor;
import static org.hvd4j.tensor.cpu.KernelTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.hvd4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Row-wise softmax, log-softmax, their backward and the fused cross-entropy, against double math. */
class CpuSoftmaxTest {
    private static final int ROWS = 6;
    private static final int COLS = 7;

    /** Random rows plus rows with huge positive and negative logits (overflow/underflow traps). */
    private static float[] logits(Random rng) {
        float[] x = uniform(rng, ROWS * COLS, -4, 4);
        for (int c = 0; c < COLS; c++) {
            x[4 * COLS + c] = 1000f + c * 0.5f;      // exp(1000) overflows a double
            x[5 * COLS + c] = -1000f - c * 0.25f;    // exp(-1000) underflows to 0
        }
        return x;
    }

    /** log_softmax in double with the max subtracted. */
    private static double[] refLogSoftmax(float[] x, int rows, int cols) {
        double[] out = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, x[r * cols + c]);
            }
            double s = 0;
            for (int c = 0; c < cols; c++) {
                s += Math.exp(x[r * cols + c] - max);
            }
            double lse = max + Math.log(s);
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] = x[r * cols + c] - lse;
            }
        }
        return out;
    }

    @Test
    void softmaxAndLogSoftmaxAreAccurateAndStableForLargeLogits() {
        float[] x = logits(new Random(1));
        double[] logp = refLogSoftmax(x, ROWS, COLS);
        double[] p = new double[logp.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logp[i]);
        }
        Tensor y = Tensor.empty(B, ROWS, COLS);
        B.softmax(tensor(x, ROWS, COLS), ROWS, COLS, false, y);
        float[] yv = y.toFloatArray();
        assertClose("softmax", p, yv, 1e-7, 1e-6);
        for (int r = 0; r < ROWS; r++) {
            double s = 0;
            for (int c = 0; c < COLS; c++) {
                s += yv[r * COLS + c];
            }
            org.junit.jupiter.api.Assertions.assertEquals(1.0, s, 1e-6, "row " + r + " sums to 1");
        }
        Tensor ly = Tensor.empty(B, ROWS, COLS);
        B.softmax(tensor(x, ROWS, COLS), ROWS, COLS, true, ly);
        // A float32 log-probability near -3 has an ulp of 2.4e-7; 1e-6 relative is about 4 ulps.
        assertClose("logSoftmax", logp, ly.toFloatArray(), 1e-6, 1e-6);
    }

    @Test
    void backwardMatchesJacobianProducts() {
        Random rng = new Random(2);
        float[] x = logits(rng);
        float[] gy = uniform(rng, ROWS * COLS);
        for (boolean log : new boolean[] {false, true}) {
            Tensor y = Tensor.empty(B, ROWS, COLS);
            B.softmax(tensor(x, ROWS, COLS), ROWS, COLS, log, y);
            Tensor gx = Tensor.empty(B, ROWS, COLS);
            B.softmaxBackward(y, tensor(gy, ROWS, COLS), ROWS, COLS, log, gx);
            double[] logp = refLogSoftmax(x, ROWS, COLS);
            double[] expected = new double[x.length];
            for (int r = 0; r < ROWS; r++) {
                // d/dx_j of sum_i gy_i f_i: softmax J_ij = p_i (δij - p_j); log-softmax J_ij = δij - p_j
                for (int j = 0; j < COLS; j++) {
                    double pj = Math.exp(logp[r * COLS + j]);
                    double s = 0;
                    for (int i = 0; i < COLS; i++) {
                        double pi = Math.exp(logp[r * COLS + i]);
                        double jac = log ? (i == j ? 1 : 0) - pj : pi * ((i == j ? 1 : 0) - pj);
                        s += gy[r * COLS + i] * jac;
                    }
                    expected[r * COLS + j] = s;
                }
            }
            assertClose("softmaxBackward log=" + log, expected, gx.toFloatArray(), 2e-6, 1e-5);
        }
    }

    @Test
    void crossEntropyWithSmoothingAndGradScale() {
        Random rng = new Random(3);
        float[] x = logits(rng);
        int[] labels = {0, 6, 3, 3, 2, 5};
        float smoothing = 0.1f;
        float gradScale = 0.25f;
        Tensor loss = Tensor.empty(B, ROWS);
        Tensor grad = Tensor.empty(B, ROWS, COLS);
        B.crossEntropy(tensor(x, ROWS, COLS), ints(labels, ROWS), ROWS, COLS, smoothing, loss, grad, gradScale);

        double[] logp = refLogSoftmax(x, ROWS, COLS);
        double[] expLoss = new double[ROWS];
        double[] expGrad = new double[x.length];
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < COLS; c++) {
                double q = (c == labels[r] ? 1 - smoothing : 0) + smoothing / COLS;
                expLoss[r] -= q * logp[r * COLS + c];
                expGrad[r * COLS + c] = (Math.exp(logp[r * COLS + c]) - q) * gradScale;
            }
        }
        assertClose("loss per row", expLoss, loss.toFloatArray(), 1e-6, 1e-6);
        assertClose("grad", expGrad, grad.toFloatArray(), 1e-7, 1e-6);

        // without a gradient buffer only the loss is computed; without smoothing it is -log p[label]
        Tensor plain = Tensor.empty(B, ROWS);
        B.crossEntropy(tensor(x, ROWS, COLS), ints(labels, ROWS), ROWS, COLS, 0f, plain, null, 1f);
        double[] nll = new double[ROWS];
        for (int r = 0; r < ROWS; r++) {
            nll[r] = -logp[r * COLS + labels[r]];
        }
        assertClose("nll", nll, plain.toFloatArray(), 1e-6, 1e-6);
    }

    @Test
    void outOfRangeLabelNamesTheRow() {
        float[] x = logits(new Random(4));
        for (int bad : new int[] {COLS, -1}) {
            int[] labels = {0, 1, bad, 3, 4, 5};
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> B.crossEntropy(tensor(x, ROWS, COLS), ints(labels, ROWS), ROWS, COLS, 0f,
                            Tensor.empty(B, ROWS), null, 1f));
            assertTrue(e.getMessage().contains("row 2") && e.getMessage().contains("label " + bad), e.getMessage());
        }
    }

    @Test
    void floatLabelsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> B.crossEntropy(Tensor.zeros(B, 2, 3),
                Tensor.zeros(B, 2), 2, 3, 0f, Tensor.empty(B, 2), null, 1f));
    }
}
