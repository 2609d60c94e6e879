package org.hvd4j.nn.layers;

import org.hvd4j.nn.Module;
import org.hvd4j.nn.init.Init;
import org.hvd4j.nn.init.Rng;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;

/**
 * A lookup table: {@code y[..., :] = weight[idx[...], :]}. Shape: idx INT32 of shape S → y
 * {@code S + [dim]}; {@code weight [num, dim]}, initialised {@code N(0, 1)} as PyTorch.
 */
public final class Embedding extends Module {
    private final Tensor weight;

    public Embedding(Backend backend, int num, int dim) {
        this(backend, num, dim, Rng.global());
    }

    public Embedding(Backend backend, int num, int dim, Rng rng) {
        if (num <= 0 || dim <= 0) {
            throw new IllegalArgumentException("Embedding needs positive sizes, got " + num + " x " + dim);
        }
        weight = registerParameter("weight", persistent(() -> Tensor.empty(backend, num, dim)));
        Init.normal(weight, 0f, 1f, rng);
    }

    public Tensor weight() {
        return weight;
    }

    @Override
    public Tensor forward(Tensor idx) {
        return org.hvd4j.tensor.ops.Embedding.embedding(idx, weight);
    }
}
