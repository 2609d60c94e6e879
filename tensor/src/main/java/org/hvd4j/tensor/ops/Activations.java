package org.hvd4j.tensor.ops;

import org.hvd4j.tensor.Activation;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.autograd.Node;

/** Pointwise activations: ReLU, GELU (erf form), tanh, sigmoid. */
public final class Activations {
    private Activations() {
    }

    /** {@code max(x, 0)}; derivative 0 at 0 as in PyTorch. */
    public static Tensor relu(Tensor x) {
        return apply(Activation.RELU, x);
    }

    /** {@code x/2 · (1 + erf(x/√2))}. */
    public static Tensor gelu(Tensor x) {
        return apply(Activation.GELU, x);
    }

    public static Tensor tanh(Tensor x) {
        return apply(Activation.TANH, x);
    }

    /** {@code 1 / (1 + e^-x)}. */
    public static Tensor sigmoid(Tensor x) {
        return apply(Activation.SIGMOID, x);
    }

    /** Applies {@code f} elementwise. */
    public static Tensor apply(Activation f, Tensor x) {
        Checks.floats(f.name().toLowerCase(), x);
        Tensor y = Checks.like(x);
        x.backend().activation(f, x, y);
        if (Node.anyRequiresGrad(x)) {
            y.setGradFn(new ActivationNode(f, x, y));
        }
        return y;
    }

    private static final class ActivationNode extends Node {
        private final Activation f;
        private final Tensor y;

        ActivationNode(Activation f, Tensor x, Tensor y) {
            super(x);
            this.f = f;
            this.y = y.detach();
        }

        @Override
        public Tensor[] backward(Tensor g) {
            Tensor gx = Checks.like(g);
            g.backend().activationBackward(f, inputs()[0], y, g, gx);
            return new Tensor[] {gx};
        }

        @Override
        public String name() {
            return f.name().toLowerCase();
        }
    }
}
