package org.hvd4j.tensor.cuda;

import java.nio.ByteBuffer;
import org.hvd4j.cuda.CudaDriver;

/**
 * A ring of page-locked host buffers through which host data reaches the device: the caller's
 * array is copied into a free slot and the slot's copy to the device is enqueued asynchronously,
 * so the host goes on (preparing the next batch) while the copy runs. A slot is written again
 * only after the event recorded behind its last copy has completed.
 */
final class PinnedStaging implements AutoCloseable {
    static final int SLOT_BYTES = 4 << 20;
    private static final int SLOTS = 4;

    private final CudaDriver driver;
    private final ByteBuffer[] slots = new ByteBuffer[SLOTS];
    private final long[] events = new long[SLOTS];
    private final boolean[] used = new boolean[SLOTS];
    private int next;

    PinnedStaging(CudaDriver driver) {
        this.driver = driver;
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = driver.hostAlloc(SLOT_BYTES);
            events[i] = driver.eventCreate();
        }
    }

    /** The next slot, once the device has finished reading it; the caller fills it and calls {@link #enqueued}. */
    int acquire() {
        int s = next;
        next = (next + 1) % SLOTS;
        if (used[s]) {
            driver.eventSynchronize(events[s]);
        }
        return s;
    }

    ByteBuffer buffer(int slot) {
        return slots[slot];
    }

    /** Records that the slot's contents are being copied on {@code stream}. */
    void enqueued(int slot, long stream) {
        driver.eventRecord(events[slot], stream);
        used[slot] = true;
    }

    @Override
    public void close() {
        for (int i = 0; i < SLOTS; i++) {
            if (used[i]) {
                driver.eventSynchronize(events[i]);
            }
            driver.eventDestroy(events[i]);
            driver.hostFree(slots[i]);
        }
    }
}
