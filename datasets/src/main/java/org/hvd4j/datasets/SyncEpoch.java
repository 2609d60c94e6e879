package org.hvd4j.datasets;

/** An epoch without prefetching: each {@link #next()} fills the one batch on the caller's thread. */
final class SyncEpoch implements DataLoader.Epoch {
    private final DataLoader owner;
    private final int epoch;
    private final int[] order;
    private final int numBatches;
    private final Batch batch;
    private int nextBatch;
    private boolean closed;

    SyncEpoch(DataLoader owner, int epoch, int[] order, int numBatches, Batch batch) {
        this.owner = owner;
        this.epoch = epoch;
        this.order = order;
        this.numBatches = numBatches;
        this.batch = batch;
    }

    @Override
    public Batch next() {
        if (closed) {
            throw new IllegalStateException("epoch " + epoch + " is closed");
        }
        if (nextBatch >= numBatches) {
            owner.release(this, true);
            return null;
        }
        int from = nextBatch * owner.batchSize();
        int count = Math.min(owner.batchSize(), order.length - from);
        try {
            batch.fill(owner.dataset(), order, from, count, nextBatch);
        } catch (RuntimeException e) {
            // Same exception shape as the prefetching epoch, so callers handle one kind.
            throw PrefetchEpoch.fillFailed(e, epoch, nextBatch, "");
        }
        nextBatch++;
        return batch;
    }

    @Override
    public int epoch() {
        return epoch;
    }

    @Override
    public int numBatches() {
        return numBatches;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            owner.release(this, true);
        }
    }
}
