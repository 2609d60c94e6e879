package org.hvd4j.nn.layers;

import static org.hvd4j.nn.Approx.assertMatches;
import static org.hvd4j.nn.Approx.leaf;
import static org.hvd4j.nn.Approx.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hvd4j.nn.fixtures.Fixture;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.PoolGeometry;
import org.hvd4j.tensor.Shape;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** MaxPool2d and AvgPool2d (count_include_pad) against PyTorch, with and without padding. */
class PoolingFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"maxpool2d_k2s2", "maxpool2d_k3s2p1"})
    void maxPoolMatchesPyTorch(String name) {
        Fixture f = Fixture.load(name);
        MaxPool2d layer = new MaxPool2d(f.intParam("kernel"), f.intParam("stride"), f.intParam("padding"));
        Tensor x = leaf(f, "x");

        Tensor y = layer.forward(x);
        // A max is one of the inputs, so it is exact; the gradient is a copy of gy (or a sum of a
        // few gy values where windows overlap), so the default tolerance is ample.
        assertMatches(f, "y", y, 0, 0);
        y.backward(tensor(f, "gy"));
        assertMatches(f, "grad_x", x.grad());
    }

    /**
     * The argmax indices the layer keeps for its backward are internal to the op, so they are
     * checked on the backend kernel: flat {@code h·W + w} within each (n, c) plane, as PyTorch's
     * {@code return_indices=True}.
     */
    @ParameterizedTest
    @ValueSource(strings = {"maxpool2d_k2s2", "maxpool2d_k3s2p1"})
    void maxPoolIndicesMatchPyTorch(String name) {
        Fixture f = Fixture.load(name);
        Tensor x = tensor(f, "x");
        int k = f.intParam("kernel");
        int s = f.intParam("stride");
        int p = f.intParam("padding");
        PoolGeometry g = new PoolGeometry(x.dim(2), x.dim(3), k, k, s, s, p, p);
        Shape outShape = Shape.of(f.intsShape("indices"));
        Tensor y = Tensor.empty(CpuBackend.get(), DType.FLOAT32, outShape);
        Tensor idx = Tensor.empty(CpuBackend.get(), DType.INT32, outShape);
        CpuBackend.get().maxPool2d(x, x.dim(0) * x.dim(1), g, y, idx);
        assertArrayEquals(f.ints("indices"), idx.toIntArray(), name + " indices");
        assertMatches(f, "y", y, 0, 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"avgpool2d_k2s2", "avgpool2d_k3s2p1"})
    void avgPoolMatchesPyTorch(String name) {
        Fixture f = Fixture.load(name);
        assertTrue(f.flag("count_include_pad"));
        AvgPool2d layer = new AvgPool2d(f.intParam("kernel"), f.intParam("stride"), f.intParam("padding"));
        Tensor x = leaf(f, "x");

        Tensor y = layer.forward(x);
        assertMatches(f, "y", y);
        y.backward(tensor(f, "gy"));
        assertMatches(f, "grad_x", x.grad());
    }
}
