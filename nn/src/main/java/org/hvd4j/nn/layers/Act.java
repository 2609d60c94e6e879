package org.hvd4j.nn.layers;

import org.hvd4j.nn.Module;
import org.hvd4j.tensor.Activation;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.ops.Activations;

/**
 * A pointwise activation as a module: {@link #relu()}, {@link #gelu()}, {@link #tanh()},
 * {@link #sigmoid()}. Any shape in, the same shape out.
 */
public final class Act extends Module {
    private final Activation fn;

    public Act(Activation fn) {
        this.fn = fn;
    }

    public static Act relu() {
        return new Act(Activation.RELU);
    }

    public static Act gelu() {
        return new Act(Activation.GELU);
    }

    public static Act tanh() {
        return new Act(Activation.TANH);
    }

    public static Act sigmoid() {
        return new Act(Activation.SIGMOID);
    }

    @Override
    public Tensor forward(Tensor x) {
        return Activations.apply(fn, x);
    }

    @Override
    protected String describe() {
        return "(" + fn.name().toLowerCase() + ")";
    }
}
