package org.hvd4j.tensor.ops;

import static org.hvd4j.tensor.ops.ArithGradTest.report;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Shape;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/** Gradient checks of sums, means and maxima (all elements and per axis), and their shapes. */
class ReductionsGradTest {
    private static final Backend B = CpuBackend.get();

    @Test
    void sumAndMeanOfAllElements() {
        Tensor x = GradCheck.uniform(B, new Random(1), -1, 1, 3, 4, 2);
        report(GradCheck.check("sum", in -> Reductions.sum(in[0]), x));
        report(GradCheck.check("mean", in -> Reductions.mean(in[0]), x));
        assertEquals(Shape.of(1), Reductions.sum(x).shape());
        double s = 0;
        for (float v : x.toFloatArray()) {
            s += v;
        }
        assertEquals(s, Reductions.sum(x).item(), 1e-5);
        assertEquals(s / 24, Reductions.mean(x).item(), 1e-6);
    }

    @Test
    void sumMeanMaxPerAxisIncludingNegativeAxes() {
        Random rng = new Random(2);
        // distinct values 0.05 apart: no perturbation of ±0.01 changes which element is the maximum
        Tensor x = GradCheck.distinct(B, rng, 0.05, 3, 4, 5);
        for (int axis = -1; axis < 3; axis++) {
            int ax = axis;
            report(GradCheck.check("sum axis " + ax, in -> Reductions.sum(in[0], ax), x));
            report(GradCheck.check("mean axis " + ax, in -> Reductions.mean(in[0], ax), x));
            report(GradCheck.check("max axis " + ax, in -> Reductions.max(in[0], ax), x));
        }
        assertEquals(Shape.of(3, 5), Reductions.sum(x, 1).shape());
        assertEquals(Shape.of(3, 4), Reductions.max(x, -1).shape());
    }

    @Test
    void maxAndArgmaxValues() {
        float[] v = {1, 5, 3, 4, 2, 6};
        Tensor x = Tensor.of(B, v, 2, 3);
        assertArrayEquals(new float[] {5, 6}, Reductions.max(x, 1).toFloatArray(), 0f);
        assertArrayEquals(new float[] {4, 5, 6}, Reductions.max(x, 0).toFloatArray(), 0f);
        assertArrayEquals(new int[] {1, 2}, Reductions.argmax(x, 1).toIntArray());
        assertArrayEquals(new int[] {1, 0, 1}, Reductions.argmax(x, -2).toIntArray());
        assertArrayEquals(new float[] {3, 4}, Reductions.mean(x, 1).toFloatArray(), 1e-6f);
    }
}
