package org.hvd4j.tensor.ops;

import static org.hvd4j.tensor.ops.ArithGradTest.report;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Shape;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/** Losses (values and gradients) and the embedding lookup's table gradient. */
class LossesGradTest {
    private static final Backend B = CpuBackend.get();

    @Test
    void crossEntropyWithAndWithoutSmoothing() {
        Random rng = new Random(1);
        Tensor logits = GradCheck.uniform(B, rng, -2, 2, 5, 4);
        Tensor labels = Tensor.ofInts(B, new int[] {3, 0, 1, 1, 2}, 5);
        report(GradCheck.check("crossEntropy", in -> Losses.crossEntropy(in[0], in[1]), logits, labels));
        report(GradCheck.check("crossEntropy smoothing 0.2", in -> Losses.crossEntropy(in[0], in[1], 0.2f),
                logits, labels));
        // the upstream gradient is 1 on loss.backward(): check the branch that returns the fused gradient
        report(GradCheck.check("crossEntropy + crossEntropy", in -> Arith.add(Losses.crossEntropy(in[0], in[1], 0.1f),
                Losses.crossEntropy(in[0], in[1])), logits, labels));

        float[] x = logits.toFloatArray();
        int[] lab = labels.toIntArray();
        double expected = 0;
        double eps = 0.2;
        for (int r = 0; r < 5; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < 4; c++) {
                max = Math.max(max, x[r * 4 + c]);
            }
            double s = 0;
            for (int c = 0; c < 4; c++) {
                s += Math.exp(x[r * 4 + c] - max);
            }
            for (int c = 0; c < 4; c++) {
                double q = (c == lab[r] ? 1 - eps : 0) + eps / 4;
                expected -= q * (x[r * 4 + c] - max - Math.log(s)) / 5;
            }
        }
        Tensor loss = Losses.crossEntropy(logits, labels, 0.2f);
        assertEquals(Shape.of(1), loss.shape());
        assertEquals(expected, loss.item(), 1e-6);
    }

    @Test
    void crossEntropyBackwardFromLossSeedsOne() {
        Tensor logits = Tensor.of(B, new float[] {0f, 0f, 0f, 0f}, 2, 2).requiresGrad(true);
        Tensor loss = Losses.crossEntropy(logits, Tensor.ofInts(B, new int[] {0, 1}, 2));
        assertEquals(Math.log(2), loss.item(), 1e-6);
        loss.backward();
        // (softmax - onehot) / N = (0.5 - 1, 0.5; 0.5, 0.5 - 1) / 2
        assertArrayEquals(new float[] {-0.25f, 0.25f, 0.25f, -0.25f}, logits.grad().toFloatArray(), 1e-7f);
    }

    @Test
    void crossEntropyArgumentErrors() {
        Tensor logits = Tensor.zeros(B, 3, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(logits, Tensor.ofInts(B, new int[] {0, 1}, 2)));
        assertTrue(e.getMessage().contains("3 rows") && e.getMessage().contains("2 labels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(logits, Tensor.ofInts(B, new int[] {0, 4, 1}, 3)));
        assertTrue(e.getMessage().contains("row 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(logits, Tensor.zeros(B, 3)));
    }

    @Test
    void mseAndBceWithLogits() {
        Random rng = new Random(2);
        Tensor pred = GradCheck.uniform(B, rng, -1, 1, 3, 4);
        Tensor target = Tensor.of(B, GradCheck.uniform(B, rng, -1, 1, 3, 4).toFloatArray(), 3, 4);
        report(GradCheck.check("mse", in -> Losses.mse(in[0], in[1]), pred, target));
        Tensor logits = GradCheck.uniform(B, rng, -4, 4, 3, 4);
        Tensor probs = Tensor.of(B, GradCheck.uniform(B, rng, 0, 1, 3, 4).toFloatArray(), 3, 4);
        report(GradCheck.check("bceWithLogits", in -> Losses.bceWithLogits(in[0], in[1]), logits, probs));
        report(GradCheck.check("2·mse (upstream != 1)", in -> Arith.scale(Losses.mse(in[0], in[1]), 2f), pred, target));

        float[] p = pred.toFloatArray();
        float[] t = target.toFloatArray();
        double mse = 0;
        for (int i = 0; i < p.length; i++) {
            mse += (p[i] - (double) t[i]) * (p[i] - t[i]) / p.length;
        }
        assertEquals(mse, Losses.mse(pred, target).item(), 1e-6);
        float[] x = logits.toFloatArray();
        float[] y = probs.toFloatArray();
        double bce = 0;
        for (int i = 0; i < x.length; i++) {
            double s = 1 / (1 + Math.exp(-x[i]));
            bce -= (y[i] * Math.log(s) + (1 - y[i]) * Math.log(1 - s)) / x.length;
        }
        assertEquals(bce, Losses.bceWithLogits(logits, probs).item(), 1e-6);
        // stable for extreme logits: log(1 + e^100) must not overflow
        Tensor big = Tensor.of(B, new float[] {100f, -100f}, 2);
        assertEquals(100.0, Losses.bceWithLogits(big, Tensor.of(B, new float[] {0f, 1f}, 2)).item(), 1e-4);
    }

    @Test
    void embeddingTableGradientWithRepeatedIndices() {
        Random rng = new Random(3);
        Tensor table = GradCheck.uniform(B, rng, -1, 1, 5, 3);
        Tensor idx = Tensor.ofInts(B, new int[] {4, 1, 4, 0, 4, 1}, 2, 3);
        Tensor y = Embedding.embedding(idx, table);
        assertEquals(Shape.of(2, 3, 3), y.shape());
        report(GradCheck.check("embedding", in -> Embedding.embedding(in[0], in[1]), idx, table));
        report(GradCheck.check("embedding then tanh", in -> Activations.tanh(Embedding.embedding(in[0], in[1])),
                idx, table));
        float[] tv = table.toFloatArray();
        float[] yv = y.toFloatArray();
        for (int k = 0; k < 3; k++) {
            assertEquals(tv[4 * 3 + k], yv[k], 0f);
            assertEquals(tv[3 + k], yv[3 + k], 0f);
        }
    }
}
