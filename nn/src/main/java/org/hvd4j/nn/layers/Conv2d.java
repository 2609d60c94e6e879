package org.hvd4j.nn.layers;

import org.hvd4j.nn.Module;
import org.hvd4j.nn.init.Init;
import org.hvd4j.nn.init.Rng;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.ops.Convolution;

/**
 * 2-D convolution (cross-correlation) {@code y[n,o] = b[o] + Σ_c W[o,c] ⋆ x[n,c]}.
 *
 * <p>Shape: x {@code [N, C, H, W]} → y {@code [N, O, OH, OW]}, {@code OH = (H + 2p - k)/s + 1};
 * {@code weight [O, C, kh, kw]}, {@code bias [O]}. Initialisation as PyTorch (Kaiming-uniform,
 * {@code a = √5}; bias {@code U(±1/√(C·kh·kw))}).
 */
public final class Conv2d extends Module {
    private final int inChannels;
    private final int outChannels;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final Tensor weight;
    private final Tensor bias;

    /** A square {@code kernel × kernel} convolution with the given stride and zero padding. */
    public Conv2d(Backend backend, int inChannels, int outChannels, int kernel, int stride, int padding) {
        this(backend, inChannels, outChannels, kernel, stride, padding, true, Rng.global());
    }

    public Conv2d(Backend backend, int inChannels, int outChannels, int kernel, int stride, int padding,
                  boolean withBias, Rng rng) {
        if (inChannels <= 0 || outChannels <= 0 || kernel <= 0 || stride <= 0 || padding < 0) {
            throw new IllegalArgumentException("bad Conv2d(" + inChannels + ", " + outChannels + ", kernel "
                    + kernel + ", stride " + stride + ", padding " + padding + ")");
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        weight = registerParameter("weight",
                persistent(() -> Tensor.empty(backend, outChannels, inChannels, kernel, kernel)));
        Init.kaimingUniform(weight, Math.sqrt(5), rng);
        bias = withBias ? registerParameter("bias", persistent(() -> Tensor.empty(backend, outChannels))) : null;
        if (bias != null) {
            Init.defaultBias(bias, Init.fanIn(weight), rng);
        }
    }

    public Tensor weight() {
        return weight;
    }

    public Tensor bias() {
        return bias;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Convolution.conv2d(x, weight, bias, stride, stride, padding, padding);
    }

    @Override
    protected String describe() {
        return "(" + inChannels + " -> " + outChannels + ", kernel " + kernel + ", stride " + stride
                + ", padding " + padding + ")";
    }
}
