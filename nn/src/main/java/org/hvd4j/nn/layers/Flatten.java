package org.hvd4j.nn.layers;

import org.hvd4j.nn.Module;
import org.hvd4j.tensor.Tensor;

/** Flattens all dimensions after the batch: {@code [N, d1, d2, ...] → [N, d1·d2·...]} (a view). */
public final class Flatten extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.flatten(1);
    }
}
