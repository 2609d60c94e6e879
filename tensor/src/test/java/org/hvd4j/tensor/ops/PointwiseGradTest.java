package org.hvd4j.tensor.ops;

import static org.hvd4j.tensor.ops.ArithGradTest.report;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/** Gradient checks of activations, softmax / log-softmax and dropout. */
class PointwiseGradTest {
    private static final Backend B = CpuBackend.get();

    @Test
    void activations() {
        Random rng = new Random(1);
        // ReLU: no input within 0.05 of the kink, so ±h (0.01) never crosses it
        Tensor xr = GradCheck.awayFromZero(B, rng, 0.05, 2, 4, 5);
        report(GradCheck.check("relu", in -> Activations.relu(in[0]), xr));
        Tensor x = GradCheck.uniform(B, rng, -3, 3, 4, 5);
        report(GradCheck.check("gelu", in -> Activations.gelu(in[0]), x));
        report(GradCheck.check("tanh", in -> Activations.tanh(in[0]), x));
        report(GradCheck.check("sigmoid", in -> Activations.sigmoid(in[0]), x));
        report(GradCheck.check("tanh(gelu(x)) * sigmoid(x)",
                in -> Arith.mul(Activations.tanh(Activations.gelu(in[0])), Activations.sigmoid(in[0])), x));
    }

    @Test
    void softmaxAndLogSoftmaxOverTheLastDimension() {
        Random rng = new Random(2);
        Tensor x2 = GradCheck.uniform(B, rng, -2, 2, 3, 5);
        report(GradCheck.check("softmax", in -> Softmax.softmax(in[0]), x2));
        report(GradCheck.check("logSoftmax", in -> Softmax.logSoftmax(in[0]), x2));
        Tensor x3 = GradCheck.uniform(B, rng, -2, 2, 2, 3, 4);
        report(GradCheck.check("softmax 3-D", in -> Softmax.softmax(in[0]), x3));
        report(GradCheck.check("logSoftmax 3-D", in -> Softmax.logSoftmax(in[0]), x3));
        // forward: rows of softmax sum to one, exp(logSoftmax) == softmax
        float[] p = Softmax.softmax(x3).toFloatArray();
        float[] lp = Softmax.logSoftmax(x3).toFloatArray();
        for (int r = 0; r < 6; r++) {
            double s = 0;
            for (int c = 0; c < 4; c++) {
                s += p[r * 4 + c];
                assertEquals(p[r * 4 + c], Math.exp(lp[r * 4 + c]), 1e-6);
            }
            assertEquals(1.0, s, 1e-6);
        }
    }

    @Test
    void dropoutWithAFixedSeed() {
        Random rng = new Random(3);
        Tensor x = GradCheck.uniform(B, rng, -1, 1, 6, 7);
        report(GradCheck.check("dropout p=0.3", in -> Dropout.dropout(in[0], 0.3f, 99L, true), x));
        report(GradCheck.check("dropout then tanh", in -> Activations.tanh(Dropout.dropout(in[0], 0.5f, 7L, true)), x));
        // forward: y = x · mask, mask from the backend with the same seed
        Tensor mask = Tensor.empty(B, 6, 7);
        B.dropoutMask(99L, 0.3f, mask);
        float[] m = mask.toFloatArray();
        float[] xv = x.toFloatArray();
        float[] y = Dropout.dropout(x, 0.3f, 99L, true).toFloatArray();
        for (int i = 0; i < y.length; i++) {
            assertEquals(xv[i] * m[i], y[i], 0f);
        }
        // evaluation mode and p = 0 are the identity (the same tensor)
        assertSame(x, Dropout.dropout(x, 0.3f, 99L, false));
        assertSame(x, Dropout.dropout(x, 0f, 99L, true));
        assertArrayEquals(new float[y.length], Dropout.dropout(x, 1f, 99L, true).toFloatArray(), 0f);
        assertThrows(IllegalArgumentException.class, () -> Dropout.dropout(x, 1.5f, 1L, true));
    }
}
