package org.hvd4j.nn.io;

import java.util.ArrayList;
import java.util.List;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.layers.Dropout;

/**
 * The random-stream positions inside a model: each {@link Dropout} layer's call counter (its mask
 * seeds are {@code mix(seed + call)}, the seed fixed when the model was built from the global
 * {@code Rng}). Restoring the counters after rebuilding the model with the same seed makes the
 * next masks those of an uninterrupted run. Used by checkpoints and to send rank 0's counters to
 * every rank on resume.
 */
public final class ModuleRng {
    private ModuleRng() {
    }

    /** The dropout call counters in the model's module order (the same on every rank). */
    public static long[] dropoutCalls(Module model) {
        List<Dropout> d = new ArrayList<>(ModuleTree.dropouts(model).values());
        long[] out = new long[d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = d.get(i).calls();
        }
        return out;
    }

    /** Restores what {@link #dropoutCalls} returned. */
    public static void setDropoutCalls(Module model, long[] calls) {
        List<Dropout> d = new ArrayList<>(ModuleTree.dropouts(model).values());
        if (d.size() != calls.length) {
            throw new IllegalArgumentException("the model has " + d.size() + " dropout layers, got " + calls.length
                    + " counters");
        }
        for (int i = 0; i < calls.length; i++) {
            d.get(i).setCalls(calls[i]);
        }
    }
}
