package org.hvd4j.allreduce.runtime;

import java.nio.ByteBuffer;

/**
 * What a completed collective hands back. In-place collectives (allreduce, broadcast) return
 * {@link #done()}; those whose output has a shape only known after negotiation (allgather,
 * reducescatter, alltoall) return a fresh host buffer and that shape.
 *
 * @param data           result bytes, or null for in-place collectives
 * @param shape          shape of {@code data}
 * @param receivedSplits alltoall: rows received from each rank
 * @param lastJoined     join: the last rank that joined
 */
public record Outcome(ByteBuffer data, int[] shape, int[] receivedSplits, int lastJoined) {
    private static final Outcome DONE = new Outcome(null, null, null, -1);

    /** The result of an in-place collective. */
    public static Outcome done() {
        return DONE;
    }
}
