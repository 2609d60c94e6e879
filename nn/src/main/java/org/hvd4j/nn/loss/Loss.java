package org.hvd4j.nn.loss;

import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.ops.Losses;

/** A mean-reduced loss {@code L(prediction, target)} returning a tensor of shape {@code [1]}. */
@FunctionalInterface
public interface Loss {
    Tensor apply(Tensor prediction, Tensor target);

    /** Cross-entropy from logits {@code [N, C]} against INT32 labels {@code [N]}, label smoothing ε. */
    static Loss crossEntropy(float labelSmoothing) {
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f)) { // also rejects NaN
            throw new IllegalArgumentException("label smoothing must be in [0, 1], got " + labelSmoothing);
        }
        return (logits, labels) -> Losses.crossEntropy(logits, labels, labelSmoothing);
    }

    /** Mean squared error. */
    static Loss mse() {
        return Losses::mse;
    }

    /** Binary cross-entropy on logits against targets in [0, 1]. */
    static Loss bceWithLogits() {
        return Losses::bceWithLogits;
    }
}
