package org.hvd4j.datasets;

/**
 * Mini-batches of a {@link Dataset} in the order of a {@link DistributedSampler}, one epoch at a
 * time, optionally filled ahead by a background thread.
 *
 * <p>Use:
 * <pre>{@code
 * DataLoader loader = new DataLoader(train, new DistributedSampler(train.size(), size, rank, seed,
 *         true, false), 64, false, DataLoader.DEFAULT_PREFETCH);
 * for (int e = 0; e < epochs; e++) {
 *     try (DataLoader.Epoch it = loader.epoch(e)) {
 *         Batch b;
 *         while ((b = it.next()) != null) {
 *             // b.features(), b.labels(): the first b.size() rows; valid until the next next()
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Buffers: the loader allocates {@code prefetch + 1} {@link Batch}es once and reuses them in
 * every epoch — the consumer holds one while the prefetch thread fills up to {@code prefetch}
 * others — so a warmed-up loop allocates no batch memory. With {@code prefetch = 0} batches are
 * filled on the caller's thread, in the same order with the same contents.
 *
 * <p>Threading: one epoch is open at a time; {@link #epoch} throws while the previous one is
 * neither exhausted nor closed, because both would share the same buffers. The prefetch thread is
 * a daemon, so a forgotten epoch never keeps the JVM alive. An exception in it is rethrown by the
 * consumer's {@code next()} (after the batches that were complete before it) with the original as
 * the cause. A loader is used from one consumer thread.
 */
public final class DataLoader implements AutoCloseable {
    /** Batches filled ahead by default: two hide the copy time of one batch behind a step. */
    public static final int DEFAULT_PREFETCH = 2;

    /** One epoch's batches, in order; see {@link DataLoader}. */
    public interface Epoch extends AutoCloseable {
        /**
         * Hands back the previous batch and returns the next one.
         *
         * @return the next batch, valid until the next call or {@link #close()}; null once the
         *     epoch is exhausted (and on every later call)
         * @throws DatasetException if filling a batch failed with one (cause attached)
         * @throws IllegalStateException if filling a batch failed otherwise, the epoch is closed, or
         *     the caller was interrupted while waiting
         */
        Batch next();

        /** @return the epoch number */
        int epoch();

        /** @return the number of batches this epoch yields */
        int numBatches();

        /** Stops the prefetch thread (if any) and waits for it; idempotent. */
        @Override
        void close();
    }

    private final Dataset dataset;
    private final DistributedSampler sampler;
    private final int batchSize;
    private final boolean dropLast;
    private final int prefetch;
    private Batch[] ring;
    private Epoch open;

    /**
     * @param dataset the samples
     * @param sampler which samples this rank visits, and in which order; made for
     *     {@code dataset.size()} samples
     * @param batchSize rows per batch, at least 1
     * @param dropLast skip the final batch when it is smaller than {@code batchSize}
     * @param prefetch batches to fill ahead on a background thread; 0 fills on the caller's thread
     */
    public DataLoader(Dataset dataset, DistributedSampler sampler, int batchSize, boolean dropLast, int prefetch) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (prefetch < 0) {
            throw new IllegalArgumentException("prefetch must be >= 0, got " + prefetch);
        }
        if (sampler.datasetSize() != dataset.size()) {
            throw new IllegalArgumentException("sampler is for " + sampler.datasetSize()
                    + " samples but the dataset has " + dataset.size());
        }
        this.dataset = dataset;
        this.sampler = sampler;
        this.batchSize = batchSize;
        this.dropLast = dropLast;
        this.prefetch = prefetch;
    }

    /**
     * Starts an epoch: the sampler's {@link DistributedSampler#indices(int) indices(epoch)} cut into
     * batches. Does not change the sampler's own epoch.
     *
     * @param epoch the epoch number, which selects the shuffle
     * @return the epoch's batches; close it (try-with-resources) if not read to the end
     * @throws IllegalStateException if the previous epoch is still open
     */
    public synchronized Epoch epoch(int epoch) {
        if (open != null) {
            throw new IllegalStateException("epoch " + open.epoch() + " is still open; read it to the end"
                    + " or close it before starting epoch " + epoch);
        }
        if (ring == null) {
            ring = new Batch[prefetch + 1];
            for (int i = 0; i < ring.length; i++) {
                ring[i] = new Batch(batchSize, dataset.featureShape());
            }
        }
        int[] order = sampler.indices(epoch);
        int n = numBatches();
        open = prefetch == 0 ? new SyncEpoch(this, epoch, order, n, ring[0])
                : new PrefetchEpoch(this, epoch, order, n, ring);
        return open;
    }

    /**
     * Called by an epoch once its producer has stopped.
     *
     * @param buffersReusable false if the producer thread could not be confirmed stopped, in which
     *     case the ring is abandoned to it and the next epoch allocates a fresh one
     */
    synchronized void release(Epoch e, boolean buffersReusable) {
        if (open == e) {
            open = null;
        }
        if (!buffersReusable) {
            ring = null;
        }
    }

    /** @return batches per epoch: {@code numSamples / batchSize}, rounded up unless dropLast */
    public int numBatches() {
        int n = sampler.numSamples();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** @return the data set */
    public Dataset dataset() {
        return dataset;
    }

    /** @return the sampler */
    public DistributedSampler sampler() {
        return sampler;
    }

    /** @return rows per full batch */
    public int batchSize() {
        return batchSize;
    }

    /** @return whether a final partial batch is skipped */
    public boolean dropLast() {
        return dropLast;
    }

    /** @return batches filled ahead */
    public int prefetch() {
        return prefetch;
    }

    /** Closes the open epoch, if any. */
    @Override
    public void close() {
        Epoch e;
        synchronized (this) {
            e = open;
        }
        if (e != null) {
            e.close();
        }
    }
}
