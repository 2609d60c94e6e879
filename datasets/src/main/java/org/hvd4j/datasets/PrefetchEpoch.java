package org.hvd4j.datasets;

import java.util.concurrent.ArrayBlockingQueue;

/**
 * An epoch whose batches a daemon thread fills ahead of the consumer.
 *
 * <p>Two queues circulate the ring of batches: {@code free} holds buffers the producer may fill,
 * {@code ready} holds filled ones in order. The consumer keeps the batch it was last given and
 * puts it back on {@code free} only when it asks for the next one, so the producer never writes a
 * batch that is still being read. Both queues are array-backed and sized for the whole ring plus
 * the end marker, so neither {@code put} on {@code ready} nor {@code add} on {@code free} can block
 * or fail.
 */
final class PrefetchEpoch implements DataLoader.Epoch {
    /** End-of-epoch marker; also ends the epoch after a failure (then {@code failure} is set). */
    private static final Batch END = new Batch(0, new int[0]);

    private final DataLoader owner;
    private final int epoch;
    private final int numBatches;
    private final ArrayBlockingQueue<Batch> free;
    private final ArrayBlockingQueue<Batch> ready;
    private final Thread producer;
    private volatile Throwable failure;
    private volatile int failedBatch = -1;
    private Batch held;
    private boolean finished;
    private boolean closed;

    PrefetchEpoch(DataLoader owner, int epoch, int[] order, int numBatches, Batch[] ring) {
        this.owner = owner;
        this.epoch = epoch;
        this.numBatches = numBatches;
        this.free = new ArrayBlockingQueue<>(ring.length);
        this.ready = new ArrayBlockingQueue<>(ring.length + 1);
        for (Batch b : ring) {
            free.add(b);
        }
        Dataset dataset = owner.dataset();
        int batchSize = owner.batchSize();
        this.producer = new Thread(() -> produce(dataset, order, batchSize), "hvd4j-prefetch-epoch-" + epoch);
        producer.setDaemon(true);
        producer.start();
    }

    private void produce(Dataset dataset, int[] order, int batchSize) {
        int b = 0;
        try {
            for (; b < numBatches; b++) {
                Batch batch = free.take();
                int from = b * batchSize;
                batch.fill(dataset, order, from, Math.min(batchSize, order.length - from), b);
                ready.put(batch);
            }
            ready.put(END);
        } catch (InterruptedException e) {
            // close() interrupted us: the consumer is gone, nobody reads ready any more.
        } catch (Throwable t) {
            failedBatch = b;
            failure = t;
            ready.offer(END); // written after failure, so the consumer sees failure when it sees END
        }
    }

    @Override
    public Batch next() {
        if (closed) {
            throw new IllegalStateException("epoch " + epoch + " is closed");
        }
        if (!finished) {
            if (held != null) {
                free.add(held);
                held = null;
            }
            Batch b;
            try {
                b = ready.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for batch of epoch " + epoch, e);
            }
            if (b != END) {
                held = b;
                return b;
            }
            finished = true;
            owner.release(this, joinProducer());
        }
        Throwable t = failure;
        if (t != null) {
            throw fillFailed(t, epoch, failedBatch, " in the prefetch thread");
        }
        return null;
    }

    /**
     * Wraps a failure to fill a batch for the consumer: a {@link DatasetException} stays one (so
     * its exit code survives), anything else becomes an {@link IllegalStateException}.
     */
    static RuntimeException fillFailed(Throwable cause, int epoch, int batch, String where) {
        String msg = "filling batch " + batch + " of epoch " + epoch + " failed" + where + ": " + cause;
        if (cause instanceof DatasetException) {
            return new DatasetException(msg, cause);
        }
        return new IllegalStateException(msg, cause);
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
        if (closed) {
            return;
        }
        closed = true;
        held = null;
        if (!finished) {
            producer.interrupt();
            owner.release(this, joinProducer());
        }
    }

    /**
     * Waits for the producer to end. It only blocks in queue operations, which end on interrupt,
     * so this takes at most the time to fill one batch.
     *
     * @return true if it ended; false if this thread was interrupted first (the flag is restored)
     */
    private boolean joinProducer() {
        try {
            producer.join();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
