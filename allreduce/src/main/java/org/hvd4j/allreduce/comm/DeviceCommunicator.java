package org.hvd4j.allreduce.comm;

import org.hvd4j.allreduce.Reduction;
import org.hvd4j.tensor.DType;

/**
 * The data plane for device memory: collectives over device addresses (a {@code CudaDriver}
 * allocation plus a byte offset), each enqueued on a CUDA stream. The runtime uses one for the
 * allreduce and broadcast of CUDA tensors: NCCL on real GPUs ({@link
 * org.hvd4j.allreduce.nccl.NcclCommunicator}), else {@link StagedDeviceCommunicator}, which runs
 * the rank's host {@link Communicator} on a copy in pinned host memory.
 *
 * <p>As with {@link Communicator}, every rank issues the same collectives in the same order with
 * the same sizes (negotiation guarantees it). A call may return before its work has run on the
 * device; {@link #synchronize} waits for the stream and turns a dead peer or an abort into a
 * {@link CommunicatorException}, never into a hang. After a failure the communicator is unusable.
 */
public interface DeviceCommunicator extends AutoCloseable {

    /** For logs and the timeline: {@code nccl}, {@code staged(shm)}, ... */
    String name();

    int rank();

    int size();

    /** In place: {@code count} elements of {@code type} at {@code buf} become their {@code op} over all ranks. */
    void allreduce(long buf, int count, DType type, Reduction op, long stream);

    /**
     * {@link #allreduce(long, int, DType, Reduction, long)} of {@code sum(pieces)} elements laid
     * out in one piece per rank, as the fusion buffer is. A communicator that follows the piece
     * rule of {@link Communicator} (the staged one) makes each element depend only on its piece's
     * index, so fused and unfused results agree bit for bit; NCCL ignores the pieces.
     */
    default void allreduce(long buf, int[] pieces, DType type, Reduction op, long stream) {
        allreduce(buf, Pieces.total(pieces), type, op, stream);
    }

    /** In place: rank {@code root}'s {@code count} elements at {@code buf} are copied to every rank's {@code buf}. */
    void broadcast(long buf, int count, DType type, int root, long stream);

    /** Waits until the work enqueued on {@code stream} has finished; a failed peer or an abort throws. */
    void synchronize(long stream);

    /** Makes blocked and later calls fail with {@code reason}; may be called from any thread. */
    void abort(String reason);

    /** Releases what the communicator holds; idempotent. */
    @Override
    void close();
}
