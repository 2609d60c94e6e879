package org.hvd4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.hvd4j.nn.init.Rng;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.ops.GradCheck;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Linear and Conv2d: gradients of the input, the weight and (when present) the bias by central
 * differences; the parameters are the layers' own tensors, initialised by the layers.
 */
class LinearConvGradCheckTest extends LayerGradCheckTest {

    @ParameterizedTest(name = "bias={0}")
    @ValueSource(booleans = {true, false})
    void linear(boolean withBias) {
        Random rng = new Random(withBias ? 11 : 12);
        Linear fc = new Linear(B, 5, 3, withBias, new Rng(withBias ? 1 : 2));
        if (!withBias) {
            assertNull(fc.bias());
        }
        Tensor x = GradCheck.uniform(B, rng, -1, 1, 4, 5);
        GradCheck.Fn f = in -> fc.forward(in[0]);
        check("Linear(5 -> 3, bias " + withBias + ")", f, x, fc.weight(), fc.bias());
        assertCatchesSkew("Linear", f, x, fc.weight(), fc.bias());
    }

    /** Geometries: the cnn models' 5×5 stride 1 pad 2 ("same"), and 3×3 stride 2 without padding. */
    @ParameterizedTest(name = "C={0} O={1} k={2} s={3} p={4} H={5} W={6} bias={7}")
    @CsvSource({
        "2, 3, 5, 1, 2, 5, 6, true",
        "2, 3, 5, 1, 2, 5, 6, false",
        "2, 2, 3, 2, 0, 7, 6, true",
        "2, 2, 3, 2, 0, 7, 6, false"})
    void conv2d(int c, int o, int k, int s, int p, int h, int w, boolean withBias) {
        Random rng = new Random(100 + k * 10 + s + (withBias ? 1 : 0));
        Conv2d conv = new Conv2d(B, c, o, k, s, p, withBias, new Rng(k + s + p));
        if (!withBias) {
            assertNull(conv.bias());
        }
        Tensor x = GradCheck.uniform(B, rng, -1, 1, 2, c, h, w);
        GradCheck.Fn f = in -> conv.forward(in[0]);
        int oh = (h + 2 * p - k) / s + 1;
        int ow = (w + 2 * p - k) / s + 1;
        assertArrayEquals(new int[] {2, o, oh, ow}, conv.forward(x).shape().dims());
        check("Conv2d(" + c + " -> " + o + ", k " + k + ", s " + s + ", p " + p + ", bias " + withBias + ")",
                f, x, conv.weight(), conv.bias());
        assertCatchesSkew("Conv2d", f, x, conv.weight(), conv.bias());
    }
}
