package org.hvd4j.tensor.ops;

import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.autograd.Node;

/** Softmax and log-softmax over the last dimension. */
public final class Softmax {
    private Softmax() {
    }

    /** {@code y[.., j] = exp(x[.., j]) / Σ_k exp(x[.., k])} over the last dimension. */
    public static Tensor softmax(Tensor x) {
        return run(x, false);
    }

    /** {@code y = x - logΣexp(x)} over the last dimension. */
    public static Tensor logSoftmax(Tensor x) {
        return run(x, true);
    }

    private static Tensor run(Tensor x, boolean log) {
        Checks.floats("softmax", x);
        int cols = x.dim(-1);
        int rows = x.numel() / Math.max(1, cols);
        Tensor y = Checks.like(x);
        x.backend().softmax(x, rows, cols, log, y);
        if (Node.anyRequiresGrad(x)) {
            y.setGradFn(new SoftmaxNode(x, y, rows, cols, log));
        }
        return y;
    }

    private static final class SoftmaxNode extends Node {
        private final Tensor y;
        private final int rows;
        private final int cols;
        private final boolean log;

        SoftmaxNode(Tensor x, Tensor y, int rows, int cols, boolean log) {
            super(x);
            this.y = y.detach();
            this.rows = rows;
            this.cols = cols;
            this.log = log;
        }

        @Override
        public Tensor[] backward(Tensor g) {
            Tensor gx = Checks.like(g);
            g.backend().softmaxBackward(y, g, rows, cols, log, gx);
            return new Tensor[] {gx};
        }
    }
}
