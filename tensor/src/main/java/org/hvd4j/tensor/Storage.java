package org.hvd4j.tensor;

/**
 * A block of device memory owned by one {@link Backend}. Tensors are views of a storage. A storage
 * allocated inside a {@link TensorScope} goes back to its backend's pool when the scope closes;
 * one allocated outside any scope lives until it is garbage-collected.
 */
public abstract class Storage {
    private final long bytes;
    private boolean released;

    protected Storage(long bytes) {
        this.bytes = bytes;
    }

    /** Capacity in bytes. */
    public long bytes() {
        return bytes;
    }

    /** The backend that owns this memory. */
    public abstract Backend backend();

    /** Hands the memory back to the backend's pool; a second call is a no-op. */
    final void release() {
        if (!released) {
            released = true;
            backend().recycle(this);
        }
    }

    /** Marks a recycled storage as live again when the pool hands it out. */
    protected final void revive() {
        released = false;
    }

    /** Whether the storage went back to the pool (reading it then is a use-after-free bug). */
    public final boolean isReleased() {
        return released;
    }
}
