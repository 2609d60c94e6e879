package org.hvd4j.tensor.cpu;

import static org.hvd4j.tensor.cpu.KernelTestSupport.B;
import static org.hvd4j.tensor.cpu.KernelTestSupport.tensor;
import static org.hvd4j.tensor.cpu.KernelTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.ReduceOp;
import org.hvd4j.tensor.Shape;
import org.hvd4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Reductions along every axis of a 4-D tensor {@code [2, 3, 4, 5]} seen as {@code [outer, n,
 * inner]}: the middle axes are the interesting ones, where neither outer nor inner is 1.
 */
class CpuReduceTest {
    private static final int[] DIMS = {2, 3, 4, 5};

    @Test
    void sumMeanMaxAndArgmaxAlongEachAxis() {
        Random rng = new Random(7);
        float[] x = uniform(rng, 120, -3, 3);
        // a tie on the first axis-1 fiber: argmax must return the first maximum
        x[0] = 9f;
        x[20] = 9f;
        Tensor xt = tensor(x, DIMS);
        for (int axis = 0; axis < DIMS.length; axis++) {
            int outer = 1;
            for (int i = 0; i < axis; i++) {
                outer *= DIMS[i];
            }
            int n = DIMS[axis];
            int inner = 1;
            for (int i = axis + 1; i < DIMS.length; i++) {
                inner *= DIMS[i];
            }
            for (ReduceOp op : ReduceOp.values()) {
                Tensor out = Tensor.empty(B, outer, inner);
                B.reduce(op, xt, outer, n, inner, out);
                float[] got = out.toFloatArray();
                for (int o = 0; o < outer; o++) {
                    for (int i = 0; i < inner; i++) {
                        double acc = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : 0;
                        for (int j = 0; j < n; j++) {
                            double v = x[(o * n + j) * inner + i];
                            acc = op == ReduceOp.MAX ? Math.max(acc, v) : acc + v;
                        }
                        if (op == ReduceOp.MEAN) {
                            acc /= n;
                        }
                        assertEquals(acc, got[o * inner + i], 1e-6, op + " axis " + axis + " at " + o + "," + i);
                    }
                }
            }
            Tensor arg = Tensor.empty(B, DType.INT32, Shape.of(outer, inner));
            B.argmax(xt, outer, n, inner, arg);
            int[] got = arg.toIntArray();
            for (int o = 0; o < outer; o++) {
                for (int i = 0; i < inner; i++) {
                    int best = 0;
                    for (int j = 1; j < n; j++) {
                        if (x[(o * n + j) * inner + i] > x[(o * n + best) * inner + i]) {
                            best = j;
                        }
                    }
                    assertEquals(best, got[o * inner + i], "argmax axis " + axis + " at " + o + "," + i);
                }
            }
            if (axis == 1) {
                assertEquals(0, got[0], "first of two equal maxima");
            }
        }
    }

    @Test
    void maxAndArgmaxOfAllNegativeAndInfiniteValues() {
        Tensor x = tensor(new float[] {-5f, -2f, -7f, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, -1e30f}, 2, 3);
        Tensor max = Tensor.empty(B, 2, 1);
        B.reduce(ReduceOp.MAX, x, 2, 3, 1, max);
        assertArrayEquals(new float[] {-2f, -1e30f}, max.toFloatArray(), 0f);
        Tensor arg = Tensor.empty(B, DType.INT32, Shape.of(2));
        B.argmax(x, 2, 3, 1, arg);
        assertArrayEquals(new int[] {1, 2}, arg.toIntArray());
        Tensor allInf = tensor(new float[] {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, 1, 2);
        B.argmax(allInf, 1, 2, 1, arg.narrowRows(0, 1));
        assertEquals(0, arg.toIntArray()[0]);
    }

    @Test
    void sumOfSquaresInDouble() {
        Random rng = new Random(8);
        float[] x = uniform(rng, 10_001, -2, 2);
        double expected = 0;
        for (float v : x) {
            expected += (double) v * v;
        }
        assertEquals(expected, B.sumOfSquares(tensor(x, x.length)), 1e-9 * expected);
        // a view counts only its own elements
        Tensor view = tensor(new float[] {100f, 1f, 2f, 3f}, 4, 1).narrowRows(1, 4);
        assertEquals(14.0, B.sumOfSquares(view), 0.0);
    }
}
