package org.hvd4j.nn.layers;

import org.hvd4j.nn.Module;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.ops.Pooling;

/**
 * Average pooling (zero padding counted in the divisor) over {@code k × k} windows. Shape: {@code [N, C, H, W] → [N, C, OH, OW]},
 * {@code OH = (H + 2p - k)/s + 1}; the stride defaults to the kernel size, as in PyTorch.
 */
public final class AvgPool2d extends Module {
    private final int kernel;
    private final int stride;
    private final int padding;

    public AvgPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    public AvgPool2d(int kernel, int stride, int padding) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Pooling.avgPool2d(x, kernel, kernel, stride, stride, padding, padding);
    }

    @Override
    protected String describe() {
        return "(kernel " + kernel + ", stride " + stride + ", padding " + padding + ")";
    }
}
