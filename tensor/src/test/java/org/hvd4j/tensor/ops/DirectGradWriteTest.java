package org.hvd4j.tensor.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import java.util.function.Function;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/**
 * Linear and conv2d write their weight and bias gradients straight into the parameters' gradient
 * buffers; this checks that the shortcut keeps PyTorch's accumulation semantics.
 */
class DirectGradWriteTest {
    private static final Backend BE = CpuBackend.get();

    private static Tensor random(Random r, int... dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return Tensor.of(BE, v, dims);
    }

    private static void check(Function<Tensor[], Tensor> f, Tensor x, Tensor w, Tensor b) {
        w.requiresGrad(true);
        b.requiresGrad(true);
        Tensor[] in = {x, w, b};
        Reductions.sum(f.apply(in)).backward();
        float[] gw1 = w.grad().toFloatArray();
        float[] gb1 = b.grad().toFloatArray();
        // a second pass without zeroGrad adds the same amount
        Reductions.sum(f.apply(in)).backward();
        assertArrayEquals(scaled(gw1, 2), w.grad().toFloatArray(), 1e-4f);
        assertArrayEquals(scaled(gb1, 2), b.grad().toFloatArray(), 1e-4f);
        // zeroGrad, then one pass overwrites
        w.zeroGrad();
        b.zeroGrad();
        Reductions.sum(f.apply(in)).backward();
        assertArrayEquals(gw1, w.grad().toFloatArray(), 1e-5f);
        assertArrayEquals(gb1, b.grad().toFloatArray(), 1e-5f);
        // the weight used twice in one graph gets both contributions
        w.zeroGrad();
        b.zeroGrad();
        Reductions.sum(Arith.add(f.apply(in), f.apply(in))).backward();
        assertArrayEquals(scaled(gw1, 2), w.grad().toFloatArray(), 1e-4f);
        assertArrayEquals(scaled(gb1, 2), b.grad().toFloatArray(), 1e-4f);
    }

    private static float[] scaled(float[] v, float s) {
        float[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= s;
        }
        return out;
    }

    @Test
    void linearAccumulatesLikeTheEngine() {
        Random r = new Random(1);
        check(in -> Arith.linear(in[0], in[1], in[2]), random(r, 5, 7), random(r, 3, 7), random(r, 3));
    }

    @Test
    void conv2dAccumulatesLikeTheEngine() {
        Random r = new Random(2);
        check(in -> Convolution.conv2d(in[0], in[1], in[2], 1, 1, 1, 1), random(r, 3, 2, 6, 5),
                random(r, 4, 2, 3, 3), random(r, 4));
    }
}
