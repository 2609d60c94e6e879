package org.hvd4j.nn.init;

import java.util.SplittableRandom;

/**
 * A seeded random stream for initialisation. {@link #global()} plays the role of PyTorch's global
 * generator: {@code Rng.manualSeed(s)} before building a model makes its initial weights a pure
 * function of {@code s}.
 */
public final class Rng {
    private static Rng global = new Rng(0x5EED);

    private SplittableRandom random;

    public Rng(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** The process-wide generator used by layers built without an explicit one. */
    public static synchronized Rng global() {
        return global;
    }

    /** Re-seeds the process-wide generator. */
    public static synchronized void manualSeed(long seed) {
        global = new Rng(seed);
    }

    /** Uniform in {@code [lo, hi)}. */
    public synchronized float uniform(float lo, float hi) {
        return (float) (lo + (hi - lo) * random.nextDouble());
    }

    /** Normal with the given mean and standard deviation (Box–Muller on two uniforms). */
    public synchronized float normal(float mean, float std) {
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        return (float) (mean + std * Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2));
    }

    /** A 64-bit seed for a derived stream (dropout masks, shuffles). */
    public synchronized long nextSeed() {
        return random.nextLong();
    }
}
