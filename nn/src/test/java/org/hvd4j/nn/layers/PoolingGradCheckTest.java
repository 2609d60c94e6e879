package org.hvd4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.hvd4j.nn.Module;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.ops.GradCheck;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * MaxPool2d and AvgPool2d: input gradients with and without zero padding, non-overlapping
 * (stride = kernel), strided and overlapping (stride 1, where one input feeds several windows)
 * windows. Max pooling gets {@link GradCheck#distinct} inputs (spacing 0.05 &gt; 2h), so no
 * perturbation changes which element of a window is the maximum.
 */
class PoolingGradCheckTest extends LayerGradCheckTest {

    @ParameterizedTest(name = "{0} k={1} s={2} p={3}")
    @CsvSource({
        "max, 2, 2, 0",
        "max, 3, 2, 1",
        "max, 3, 1, 1",
        "max, 2, 2, 1",
        "avg, 2, 2, 0",
        "avg, 3, 2, 1",
        "avg, 3, 1, 1",
        "avg, 2, 2, 1"})
    void pool(String kind, int k, int s, int p) {
        Random rng = new Random(31L * k + 7L * s + p + (kind.equals("max") ? 0 : 1000));
        int h = 5;
        int w = 6;
        Module pool = kind.equals("max")
                ? (k == s && p == 0 ? new MaxPool2d(k) : new MaxPool2d(k, s, p))
                : (k == s && p == 0 ? new AvgPool2d(k) : new AvgPool2d(k, s, p));
        Tensor x = kind.equals("max") ? GradCheck.distinct(B, rng, 0.05, 2, 2, h, w)
                : GradCheck.uniform(B, rng, -1, 1, 2, 2, h, w);
        GradCheck.Fn f = in -> pool.forward(in[0]);
        assertArrayEquals(new int[] {2, 2, (h + 2 * p - k) / s + 1, (w + 2 * p - k) / s + 1},
                pool.forward(x).shape().dims());
        check(pool.toString(), f, x);
        assertCatchesSkew(pool.toString(), f, x);
    }
}
