package org.hvd4j.nn.layers;

import static org.hvd4j.nn.Approx.assertMatches;
import static org.hvd4j.nn.Approx.leaf;
import static org.hvd4j.nn.Approx.load;
import static org.hvd4j.nn.Approx.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.hvd4j.nn.fixtures.Fixture;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.hvd4j.tensor.ops.Convolution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Linear and Conv2d against PyTorch's {@code F.linear} / {@code F.conv2d}: forward values, and
 * the gradients of input, weight and bias from {@code (y·gy).sum().backward()}.
 */
class LinearConvFixtureTest {

    @Test
    void linearMatchesPyTorch() {
        Fixture f = Fixture.load("linear");
        Linear layer = new Linear(CpuBackend.get(), f.intParam("in_features"), f.intParam("out_features"));
        load(f, "weight", layer.weight());
        load(f, "bias", layer.bias());
        Tensor x = leaf(f, "x");

        Tensor y = layer.forward(x);
        assertMatches(f, "y", y);
        y.backward(tensor(f, "gy"));

        assertMatches(f, "grad_x", x.grad());
        assertMatches(f, "grad_weight", layer.weight().grad());
        assertMatches(f, "grad_bias", layer.bias().grad());
    }

    /** conv2d_a: 3×3, stride 1, padding 1; conv2d_c: 5×5, stride 1, padding 2 (square kernels). */
    @ParameterizedTest
    @ValueSource(strings = {"conv2d_a", "conv2d_c"})
    void conv2dLayerMatchesPyTorch(String name) {
        Fixture f = Fixture.load(name);
        int k = f.intParam("kernel_h");
        assertEquals(k, f.intParam("kernel_w"));
        assertEquals(f.intParam("stride_h"), f.intParam("stride_w"));
        assertEquals(f.intParam("pad_h"), f.intParam("pad_w"));
        Conv2d layer = new Conv2d(CpuBackend.get(), f.intParam("in_channels"), f.intParam("out_channels"), k,
                f.intParam("stride_h"), f.intParam("pad_h"));
        load(f, "weight", layer.weight());
        load(f, "bias", layer.bias());
        Tensor x = leaf(f, "x");

        Tensor y = layer.forward(x);
        assertMatches(f, "y", y);
        y.backward(tensor(f, "gy"));

        assertMatches(f, "grad_x", x.grad());
        assertMatches(f, "grad_weight", layer.weight().grad());
        assertMatches(f, "grad_bias", layer.bias().grad());
    }

    /**
     * conv2d_b: a 3×2 kernel with stride 2 and no padding (7×7 input, so the last row and column
     * are never covered). The Conv2d layer only builds square kernels, so this geometry is checked
     * on the differentiable op underneath it.
     */
    @Test
    void conv2dOpWithRectangularKernelAndStrideMatchesPyTorch() {
        Fixture f = Fixture.load("conv2d_b");
        Tensor x = leaf(f, "x");
        Tensor w = leaf(f, "weight");
        Tensor b = leaf(f, "bias");

        Tensor y = Convolution.conv2d(x, w, b, f.intParam("stride_h"), f.intParam("stride_w"),
                f.intParam("pad_h"), f.intParam("pad_w"));
        assertMatches(f, "y", y);
        y.backward(tensor(f, "gy"));

        assertMatches(f, "grad_x", x.grad());
        assertMatches(f, "grad_weight", w.grad());
        assertMatches(f, "grad_bias", b.grad());
    }
}
