package org.hvd4j.tensor.autograd;

import org.hvd4j.tensor.Tensor;

/** Called once per backward pass when a leaf's gradient holds every contribution of that pass. */
@FunctionalInterface
public interface GradReadyHook {
    void onGradReady(Tensor parameter);
}
