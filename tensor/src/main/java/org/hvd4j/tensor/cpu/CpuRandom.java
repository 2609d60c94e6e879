package org.hvd4j.tensor.cpu;

import java.nio.FloatBuffer;
import org.hvd4j.tensor.Tensor;

/**
 * Counter-based randomness: element i of a mask draws {@code splitmix64(seed + i·γ)}, so masks are
 * reproducible, independent of thread count, and identical on every backend.
 */
public final class CpuRandom {
    private static final long GAMMA = 0x9E3779B97F4A7C15L;

    private CpuRandom() {
    }

    /** SplitMix64's finaliser (Steele, Lea, Flood 2014). */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A uniform float in [0, 1) for counter {@code i} of stream {@code seed} (24 random bits). */
    public static float uniform(long seed, long i) {
        return (mix(seed + (i + 1) * GAMMA) >>> 40) * 0x1.0p-24f;
    }

    static void dropoutMask(long seed, float p, Tensor maskt) {
        FloatBuffer m = CpuBackend.f(maskt);
        int mo = maskt.offset();
        float keep = p >= 1f ? 0f : 1f / (1f - p);
        Parallel.forRange(maskt.numel(), CpuElementwise.GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                m.put(mo + i, uniform(seed, i) < p ? 0f : keep);
            }
        });
    }
}
