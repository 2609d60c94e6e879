package org.hvd4j.nn.layers;

import org.hvd4j.nn.Module;
import org.hvd4j.nn.init.Init;
import org.hvd4j.nn.init.Rng;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.ops.Arith;

/**
 * Fully connected layer {@code y = x·Wᵀ + b}.
 *
 * <p>Shape: x {@code [N, in]} → y {@code [N, out]}; {@code weight [out, in]}, {@code bias [out]}.
 * Initialisation as PyTorch: weight Kaiming-uniform with {@code a = √5} (bound {@code 1/√in}),
 * bias {@code U(-1/√in, 1/√in)}.
 */
public final class Linear extends Module {
    private final int in;
    private final int out;
    private final Tensor weight;
    private final Tensor bias;

    public Linear(Backend backend, int in, int out) {
        this(backend, in, out, true, Rng.global());
    }

    public Linear(Backend backend, int in, int out, boolean withBias, Rng rng) {
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException("Linear needs positive sizes, got " + in + " -> " + out);
        }
        this.in = in;
        this.out = out;
        weight = registerParameter("weight", persistent(() -> Tensor.empty(backend, out, in)));
        Init.kaimingUniform(weight, Math.sqrt(5), rng);
        bias = withBias ? registerParameter("bias", persistent(() -> Tensor.empty(backend, out))) : null;
        if (bias != null) {
            Init.defaultBias(bias, in, rng);
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
        return Arith.linear(x, weight, bias);
    }

    @Override
    protected String describe() {
        return "(" + in + " -> " + out + (bias == null ? ", no bias" : "") + ")";
    }
}
