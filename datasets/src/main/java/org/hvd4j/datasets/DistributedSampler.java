package org.hvd4j.datasets;

/**
 * The samples one rank visits in one epoch, with the semantics of PyTorch's
 * {@code torch.utils.data.DistributedSampler}:
 * <ol>
 *   <li>every rank computes the same order of all {@code datasetSize} samples: {@link
 *       EpochOrder#permutation} of (seed, epoch) when shuffling, else {@code 0, 1, 2, ...};
 *   <li>without {@code dropLast}, that order is padded by wrapping around to its start until its
 *       length is a multiple of {@code numReplicas} (so a few samples are seen twice per epoch);
 *       with {@code dropLast}, it is cut to the largest multiple of {@code numReplicas} (so a few
 *       are not seen);
 *   <li>rank {@code r} takes positions {@code r, r + R, r + 2R, ...} of it ({@code R} the number of
 *       replicas).
 * </ol>
 * Hence every rank gets exactly {@link #numSamples()} indices, the ranks together cover every
 * sample once (plus the padding), and the order changes with the epoch. With one replica this is
 * the plain single-process shuffle (or sequential order with {@code shuffle = false}).
 *
 * <p>Like PyTorch, call {@link #setEpoch} before each epoch; {@link #indices(int)} is the same
 * computation without the mutable state. Not thread-safe for {@code setEpoch}.
 */
public final class DistributedSampler {
    private final int datasetSize;
    private final int numReplicas;
    private final int rank;
    private final long seed;
    private final boolean shuffle;
    private final boolean dropLast;
    private final int numSamples;
    private int epoch;

    /**
     * @param datasetSize number of samples in the data set, at least 0
     * @param numReplicas number of ranks sharing the data set, at least 1
     * @param rank this rank, in {@code [0, numReplicas)}
     * @param seed the run's seed, the same on every rank
     * @param shuffle whether to shuffle (else sequential order)
     * @param dropLast drop the tail that does not divide evenly instead of padding
     */
    public DistributedSampler(int datasetSize, int numReplicas, int rank, long seed, boolean shuffle,
            boolean dropLast) {
        if (datasetSize < 0) {
            throw new IllegalArgumentException("negative dataset size " + datasetSize);
        }
        if (numReplicas < 1) {
            throw new IllegalArgumentException("numReplicas must be >= 1, got " + numReplicas);
        }
        if (rank < 0 || rank >= numReplicas) {
            throw new IllegalArgumentException("rank " + rank + " outside [0, " + numReplicas + ")");
        }
        this.datasetSize = datasetSize;
        this.numReplicas = numReplicas;
        this.rank = rank;
        this.seed = seed;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        // PyTorch: dropLast -> ceil((n - R) / R) == floor(n / R); else ceil(n / R).
        this.numSamples = dropLast ? datasetSize / numReplicas
                : (int) (((long) datasetSize + numReplicas - 1) / numReplicas);
    }

    /**
     * A single-process sampler: one replica, nothing dropped.
     *
     * @param datasetSize number of samples
     * @param seed the run's seed
     * @param shuffle whether to shuffle
     * @return the sampler
     */
    public static DistributedSampler single(int datasetSize, long seed, boolean shuffle) {
        return new DistributedSampler(datasetSize, 1, 0, seed, shuffle, false);
    }

    /** @param epoch the epoch that {@link #indices()} will return the order of */
    public void setEpoch(int epoch) {
        this.epoch = epoch;
    }

    /** @return the epoch set by {@link #setEpoch}, 0 initially */
    public int epoch() {
        return epoch;
    }

    /** @return this rank's indices for the epoch last set with {@link #setEpoch} */
    public int[] indices() {
        return indices(epoch);
    }

    /**
     * @param epoch the epoch
     * @return this rank's {@link #numSamples()} data-set indices for {@code epoch}, in visiting order
     */
    public int[] indices(int epoch) {
        int[] order = shuffle ? EpochOrder.permutation(datasetSize, seed, epoch)
                : EpochOrder.sequential(datasetSize);
        int[] mine = new int[numSamples];
        // Position p of the padded (or cut) order is order[p % n]: padding wraps to the start, and
        // with dropLast every p used is below n anyway.
        for (int k = 0; k < numSamples; k++) {
            mine[k] = order[(int) (((long) rank + (long) k * numReplicas) % datasetSize)];
        }
        return mine;
    }

    /** @return how many indices each rank gets per epoch */
    public int numSamples() {
        return numSamples;
    }

    /** @return {@code numSamples() * numReplicas()}: the padded or cut length of the order */
    public int totalSize() {
        return numSamples * numReplicas;
    }

    /** @return the data-set size this sampler was made for */
    public int datasetSize() {
        return datasetSize;
    }

    /** @return the number of replicas */
    public int numReplicas() {
        return numReplicas;
    }

    /** @return this rank */
    public int rank() {
        return rank;
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }

    /** @return whether the order is shuffled */
    public boolean shuffle() {
        return shuffle;
    }

    /** @return whether the uneven tail is dropped instead of padded */
    public boolean dropLast() {
        return dropLast;
    }
}
