package org.hvd4j.tensor.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/** Gradient checks of {@link Arith} and of reshape/flatten, plus forward values of linear. */
class ArithGradTest {
    private static final Backend B = CpuBackend.get();

    @Test
    void addSubMulScale() {
        Random rng = new Random(1);
        Tensor a = GradCheck.uniform(B, rng, -1, 1, 3, 4);
        Tensor b = GradCheck.uniform(B, rng, -1, 1, 3, 4);
        report(GradCheck.check("add", in -> Arith.add(in[0], in[1]), a, b));
        report(GradCheck.check("sub", in -> Arith.sub(in[0], in[1]), a, b));
        report(GradCheck.check("mul", in -> Arith.mul(in[0], in[1]), a, b));
        report(GradCheck.check("scale", in -> Arith.scale(in[0], -2.5f), a));
        report(GradCheck.check("x*x (one tensor, two edges)", in -> Arith.mul(in[0], in[0]), a));
        report(GradCheck.check("a - a*b + 3a", in -> Arith.add(Arith.sub(in[0], Arith.mul(in[0], in[1])),
                Arith.scale(in[0], 3f)), a, b));
        // only one side requires a gradient
        Tensor constant = Tensor.of(B, b.toFloatArray(), 3, 4);
        report(GradCheck.check("sub with constant rhs", in -> Arith.sub(in[0], in[1]), a, constant));
        report(GradCheck.check("mul with constant lhs", in -> Arith.mul(in[1], in[0]), a, constant));
    }

    @Test
    void matmul() {
        Random rng = new Random(2);
        Tensor a = GradCheck.uniform(B, rng, -1, 1, 4, 3);
        Tensor b = GradCheck.uniform(B, rng, -1, 1, 3, 5);
        report(GradCheck.check("matmul", in -> Arith.matmul(in[0], in[1]), a, b));
        Tensor sq = GradCheck.uniform(B, rng, -1, 1, 3, 3);
        report(GradCheck.check("matmul(x, x)", in -> Arith.matmul(in[0], in[0]), sq));
        assertThrows(IllegalArgumentException.class, () -> Arith.matmul(a, a));
    }

    @Test
    void linearWithAndWithoutBias() {
        Random rng = new Random(3);
        Tensor x = GradCheck.uniform(B, rng, -1, 1, 4, 6);
        Tensor w = GradCheck.uniform(B, rng, -1, 1, 5, 6);
        Tensor bias = GradCheck.uniform(B, rng, -1, 1, 5);
        report(GradCheck.check("linear", in -> Arith.linear(in[0], in[1], in[2]), x, w, bias));
        report(GradCheck.check("linear no bias", in -> Arith.linear(in[0], in[1], null), x, w));
        Tensor constX = Tensor.of(B, x.toFloatArray(), 4, 6);
        report(GradCheck.check("linear, constant input", in -> Arith.linear(in[0], in[1], in[2]), constX, w, bias));
    }

    @Test
    void linearForwardIsXWTransposedPlusB() {
        float[] x = {1, 2, 3, 4, 5, 6};          // [2, 3]
        float[] w = {1, 0, -1, 0.5f, 0.5f, 0.5f}; // [2, 3]
        float[] b = {10, 20};
        float[] y = Arith.linear(Tensor.of(B, x, 2, 3), Tensor.of(B, w, 2, 3), Tensor.of(B, b, 2)).toFloatArray();
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {8, 23, 8, 27.5f}, y, 1e-6f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Arith.linear(Tensor.zeros(B, 2, 4), Tensor.zeros(B, 2, 3).name("fc1.weight"), null));
        assertTrue(e.getMessage().contains("'fc1.weight'"), e.getMessage());
    }

    @Test
    void reshapeAndFlatten() {
        Random rng = new Random(4);
        Tensor x = GradCheck.uniform(B, rng, -1, 1, 2, 3, 2, 2);
        Tensor w = GradCheck.uniform(B, rng, -1, 1, 3, 12);
        report(GradCheck.check("reshape", in -> in[0].reshape(4, -1), x));
        report(GradCheck.check("flatten(1) then linear", in -> Arith.linear(in[0].flatten(1), in[1], null), x, w));
        report(GradCheck.check("reshape twice then mul by itself",
                in -> Arith.mul(in[0].reshape(6, 4), in[0].reshape(24).reshape(6, 4)), x));
        assertEquals(org.hvd4j.tensor.Shape.of(2, 12), x.flatten(1).shape());
        assertEquals(org.hvd4j.tensor.Shape.of(2, 3, 4), x.flatten(2).shape());
    }

    static void report(GradCheck.Report r) {
        System.out.println("gradcheck " + r);
    }
}
