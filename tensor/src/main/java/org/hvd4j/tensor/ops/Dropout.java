package org.hvd4j.tensor.ops;

import org.hvd4j.tensor.BinaryOp;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.autograd.Node;

/** Inverted dropout: in training, zero each element with probability p and scale the rest by 1/(1-p). */
public final class Dropout {
    private Dropout() {
    }

    /**
     * {@code y = x · mask}, mask from {@link org.hvd4j.tensor.Backend#dropoutMask} with {@code seed};
     * identity when not training or p = 0.
     */
    public static Tensor dropout(Tensor x, float p, long seed, boolean training) {
        if (!(p >= 0f && p <= 1f)) { // also rejects NaN
            throw new IllegalArgumentException("dropout probability must be in [0, 1], got " + p);
        }
        if (!training || p == 0f) {
            return x;
        }
        Tensor mask = Checks.like(x);
        x.backend().dropoutMask(seed, p, mask);
        Tensor y = Checks.like(x);
        x.backend().binary(BinaryOp.MUL, x, mask, y);
        if (Node.anyRequiresGrad(x)) {
            y.setGradFn(new DropoutNode(x, mask));
        }
        return y;
    }

    private static final class DropoutNode extends Node {
        private final Tensor mask;

        DropoutNode(Tensor x, Tensor mask) {
            super(x);
            this.mask = mask;
        }

        @Override
        public Tensor[] backward(Tensor g) {
            Tensor gx = Checks.like(g);
            g.backend().binary(BinaryOp.MUL, g, mask, gx);
            return new Tensor[] {gx};
        }
    }
}
