package org.hvd4j.tensor.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.autograd.Node;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The checker itself must be able to fail: wrong gradients and non-determinism are caught. */
class GradCheckSelfTest {
    private static final Backend B = CpuBackend.get();

    /** y = x², with a backward that is deliberately off by {@code factor}. */
    private static Tensor square(Tensor x, float factor) {
        Tensor y = Tensor.empty(B, x.shape().dims());
        B.binary(org.hvd4j.tensor.BinaryOp.MUL, x, x, y);
        if (Node.anyRequiresGrad(x)) {
            y.setGradFn(new Node(x) {
                @Override
                public Tensor[] backward(Tensor g) {
                    Tensor gx = Tensor.empty(B, g.shape().dims());
                    B.binary(org.hvd4j.tensor.BinaryOp.MUL, g, inputs()[0], gx);
                    B.scale(gx, factor, gx);
                    return new Tensor[] {gx};
                }
            });
        }
        return y;
    }

    @Test
    void acceptsACorrectGradientWithSmallError() {
        Tensor x = GradCheck.uniform(B, new Random(1), -2, 2, 3, 4);
        GradCheck.Report r = GradCheck.check("square", in -> square(in[0], 2f), x);
        assertTrue(r.elementsChecked() == 12 && r.maxAbsError() < 1e-4, r.toString());
    }

    @Test
    void rejectsAGradientOffByAFactor() {
        Tensor x = GradCheck.uniform(B, new Random(2), 0.5, 2, 3, 4);
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> GradCheck.check("square with 1.9x", in -> square(in[0], 1.9f), x));
        assertTrue(e.getMessage().contains("analytic") && e.getMessage().contains("numeric"), e.getMessage());
    }

    @Test
    void rejectsAGradientThatIgnoresOneInput() {
        Random rng = new Random(3);
        Tensor a = GradCheck.uniform(B, rng, -1, 1, 2, 3);
        Tensor b = GradCheck.uniform(B, rng, -1, 1, 2, 3);
        // a * b.detach() hides b's influence from autograd, but not from finite differences
        assertThrows(AssertionFailedError.class, () -> GradCheck.check("detached b",
                in -> Arith.mul(in[0], in[1].detach()), a, b));
    }

    @Test
    void rejectsANonDeterministicFunction() {
        Tensor x = GradCheck.uniform(B, new Random(4), -1, 1, 50);
        long[] seed = {0};
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> GradCheck.check("dropout, new seed each call",
                in -> Dropout.dropout(in[0], 0.5f, seed[0]++, true), x));
        assertTrue(e.getMessage().contains("not deterministic"), e.getMessage());
    }

    @Test
    void kinkFreeInputsHoldTheirPromises() {
        Random rng = new Random(5);
        for (float v : GradCheck.awayFromZero(B, rng, 0.05, 1, 1000).toFloatArray()) {
            assertTrue(Math.abs(v) >= 0.05f && Math.abs(v) <= 1f, "value " + v);
        }
        float[] d = GradCheck.distinct(B, rng, 0.05, 10, 10).toFloatArray();
        java.util.Arrays.sort(d);
        for (int i = 1; i < d.length; i++) {
            assertTrue(d[i] - d[i - 1] >= 0.0499f, "spacing " + (d[i] - d[i - 1]));
        }
    }
}
