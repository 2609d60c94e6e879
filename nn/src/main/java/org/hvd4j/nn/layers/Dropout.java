package org.hvd4j.nn.layers;

import org.hvd4j.nn.Module;
import org.hvd4j.nn.init.Rng;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuRandom;

/**
 * Inverted dropout: in training, each element is zeroed with probability p and the others scaled by
 * {@code 1/(1-p)}; identity in evaluation. Call k of the layer uses the mask seed
 * {@code mix(seed + k)}, so a run is reproducible from the layer's seed.
 */
public final class Dropout extends Module {
    private final float p;
    private final long seed;
    private long calls;

    public Dropout(float p) {
        this(p, Rng.global().nextSeed());
    }

    public Dropout(float p, long seed) {
        if (!(p >= 0f && p < 1f)) { // also rejects NaN
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
        this.p = p;
        this.seed = seed;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!isTraining()) {
            return x;
        }
        return org.hvd4j.tensor.ops.Dropout.dropout(x, p, CpuRandom.mix(seed + calls++), true);
    }

    /** Training-mode calls so far: the position in this layer's mask stream (checkpoints store it). */
    public long calls() {
        return calls;
    }

    /** Restores {@link #calls()} (checkpoint resume), so that the next mask is the one a straight run draws. */
    public void setCalls(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("dropout call count must be >= 0, got " + n);
        }
        this.calls = n;
    }

    @Override
    protected String describe() {
        return "(p " + p + ")";
    }
}
