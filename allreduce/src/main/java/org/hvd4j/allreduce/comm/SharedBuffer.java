package org.hvd4j.allreduce.comm;

import java.nio.ByteBuffer;

/**
 * This rank's part of a buffer that the other ranks of its group can read where it lies (made by
 * {@link Communicator#share}, reduced by {@link Communicator#allreduceShared}). The memory stays
 * valid for as long as this object or a view of {@link #bytes()} is reachable, even after the
 * communicator has closed.
 */
public interface SharedBuffer {
    /** This rank's bytes (direct, native order, position 0, limit its size; the same buffer on every call). */
    ByteBuffer bytes();
}
