package org.hvd4j.tensor.ops;

import org.hvd4j.tensor.Activation;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.BinaryOp;
import org.hvd4j.tensor.ReduceOp;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.autograd.Node;

/** Loss functions, mean-reduced as PyTorch's defaults. Each returns a tensor of shape {@code [1]}. */
public final class Losses {
    private Losses() {
    }

    /**
     * Cross-entropy from logits with label smoothing ε:
     * {@code L = 1/N Σ_n -Σ_c q_nc · log_softmax(x_n)_c}, {@code q = (1-ε)·onehot + ε/C}.
     * Gradient {@code (softmax(x) - q)/N}, computed in the same fused pass as the loss.
     *
     * <p>Shape: logits {@code [N, C]}, labels INT32 {@code [N]} with values in {@code [0, C)}.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor labels, float labelSmoothing) {
        Checks.rank("crossEntropy", logits, 2);
        Checks.ints("crossEntropy", labels);
        int n = logits.dim(0);
        int c = logits.dim(1);
        if (labels.numel() != n) {
            throw new IllegalArgumentException("crossEntropy: " + n + " rows of logits but " + labels.numel() + " labels");
        }
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f)) { // also rejects NaN
            throw new IllegalArgumentException("label smoothing must be in [0, 1], got " + labelSmoothing);
        }
        Backend be = logits.backend();
        Tensor perRow = Tensor.empty(be, n);
        boolean grad = Node.anyRequiresGrad(logits);
        Tensor gradLogits = grad ? Checks.like(logits) : null;
        be.crossEntropy(logits, labels, n, c, labelSmoothing, perRow, gradLogits, 1f / n);
        Tensor loss = Tensor.empty(be, 1);
        be.reduce(ReduceOp.MEAN, perRow, 1, n, 1, loss);
        if (grad) {
            loss.setGradFn(new ScaledGradNode(logits, gradLogits));
        }
        return loss;
    }

    /** Cross-entropy without smoothing. */
    public static Tensor crossEntropy(Tensor logits, Tensor labels) {
        return crossEntropy(logits, labels, 0f);
    }

    /** Mean squared error {@code 1/M Σ (pred - target)²}; gradient {@code 2(pred - target)/M}. */
    public static Tensor mse(Tensor pred, Tensor target) {
        Checks.sameShape("mse", pred, target);
        Backend be = pred.backend();
        Tensor diff = Checks.like(pred);
        be.binary(BinaryOp.SUB, pred, target, diff);
        int m = pred.numel();
        Tensor loss = Tensor.full(be, (float) (be.sumOfSquares(diff) / m), 1);
        if (Node.anyRequiresGrad(pred)) {
            Tensor g = Checks.like(pred);
            be.scale(diff, 2f / m, g);
            loss.setGradFn(new ScaledGradNode(pred, g));
        }
        return loss;
    }

    /**
     * Binary cross-entropy on logits, numerically stable:
     * {@code 1/M Σ max(x,0) - x·t + log(1 + e^{-|x|})}; gradient {@code (σ(x) - t)/M}.
     * Not used by the built-in models, so its loss value is summed on the host.
     */
    public static Tensor bceWithLogits(Tensor logits, Tensor target) {
        Checks.sameShape("bceWithLogits", logits, target);
        Backend be = logits.backend();
        float[] x = logits.toFloatArray();
        float[] t = target.toFloatArray();
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += Math.max(x[i], 0) - x[i] * (double) t[i] + Math.log1p(Math.exp(-Math.abs(x[i])));
        }
        int m = x.length;
        Tensor loss = Tensor.full(be, (float) (s / m), 1);
        if (Node.anyRequiresGrad(logits)) {
            Tensor g = Checks.like(logits);
            be.activation(Activation.SIGMOID, logits, g);
            be.binary(BinaryOp.SUB, g, target, g);
            be.scale(g, 1f / m, g);
            loss.setGradFn(new ScaledGradNode(logits, g));
        }
        return loss;
    }

    /**
     * Backward of a scalar loss whose gradient with respect to its input was computed in the
     * forward pass: {@code gx = upstream · g}.
     */
    private static final class ScaledGradNode extends Node {
        private final Tensor g;
        private final float[] upstream = new float[1];

        ScaledGradNode(Tensor input, Tensor g) {
            super(input);
            this.g = g;
        }

        @Override
        public Tensor[] backward(Tensor gy) {
            gy.backend().copyOut(gy, 0, upstream, 0, 1);
            if (upstream[0] == 1f) {
                return new Tensor[] {g};
            }
            Tensor gx = Checks.like(g);
            g.backend().scale(g, upstream[0], gx);
            return new Tensor[] {gx};
        }
    }
}
