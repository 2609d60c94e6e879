package org.hvd4j.datasets;

import java.util.SplittableRandom;

/**
 * The order in which one epoch visits a data set, as a pure function of (seed, epoch).
 *
 * <p>Derivation, fixed so that every rank, and every rerun, computes the same order:
 * <ol>
 *   <li>{@code streamSeed = seed * 0x9E3779B97F4A7C15L + epoch} (64-bit wrap-around). The odd
 *       golden-ratio multiplier spreads consecutive seeds far apart, so (seed, epoch+1) and
 *       (seed+1, epoch) do not collide the way a plain {@code seed + epoch} would.
 *   <li>{@code rnd = new java.util.SplittableRandom(streamSeed)} — its output for a given seed is
 *       specified by the JDK and stable across versions and platforms.
 *   <li>Fisher–Yates from the end: start from {@code [0, 1, ..., n-1]}; for {@code i = n-1} down to
 *       1, swap element {@code i} with element {@code rnd.nextInt(i + 1)}.
 * </ol>
 * The result is a uniformly random permutation. It has the same role as PyTorch's
 * {@code torch.randperm(n, generator=manual_seed(seed + epoch))} but is not bit-identical to it.
 */
public final class EpochOrder {
    /** The 64-bit golden-ratio constant used to mix the seed with the epoch. */
    public static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private EpochOrder() {}

    /**
     * @param seed the run's seed
     * @param epoch the epoch number
     * @return the seed of the epoch's random stream: {@code seed * GOLDEN + epoch}
     */
    public static long streamSeed(long seed, long epoch) {
        return seed * GOLDEN + epoch;
    }

    /**
     * @param n number of samples, at least 0
     * @param seed the run's seed
     * @param epoch the epoch number
     * @return a permutation of {@code [0, n)}, derived as described in the class comment
     */
    public static int[] permutation(int n, long seed, long epoch) {
        int[] p = sequential(n);
        SplittableRandom rnd = new SplittableRandom(streamSeed(seed, epoch));
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * @param n number of samples, at least 0
     * @return {@code [0, 1, ..., n-1]}: the order without shuffling
     */
    public static int[] sequential(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative size " + n);
        }
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }
}
