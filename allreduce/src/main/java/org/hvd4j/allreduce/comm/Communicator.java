package org.hvd4j.allreduce.comm;

import java.nio.ByteBuffer;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.tensor.DType;

/**
 * The data plane: collectives over the bytes of host buffers, executed by every rank of the group
 * in the same order with the same sizes (the runtime's negotiation guarantees both; a transport
 * may check them but does not negotiate).
 *
 * <p>Buffers are direct, native byte order, and addressed by absolute positions: an operation on
 * {@code n} bytes uses {@code buf[0, n)} and never reads or moves the buffer's position or limit.
 *
 * <p><b>Pieces.</b> An allreduce of {@code count} elements is cut into {@link #size()} consecutive
 * pieces of {@code pieces[k]} elements ({@link Pieces#balanced} when the caller has no layout of
 * its own). A transport must make the value of every element depend only on the index {@code k} of
 * the piece holding it, not on its position: for example rank {@code k} reduces piece {@code k} in
 * the order {@code x[k] + x[k+1] + ... + x[k-1]}. The fusion buffer lays out each tensor's own
 * pieces piece by piece, so that a tensor reduced inside a fusion buffer gets exactly the bits it
 * would get alone.
 *
 * <p>Failures (a dead peer, an {@link #abort}) raise {@link CommunicatorException}; after one, the
 * communicator is unusable.
 */
public interface Communicator extends AutoCloseable {

    /** Short transport name for logs and benchmarks: {@code solo}, {@code tcp}, {@code shm}, ... */
    String name();

    /** This process's rank in the group, {@code 0 <= rank < size}. */
    int rank();

    /** Number of ranks in the group. */
    int size();

    /**
     * In place: afterwards {@code buf} holds, on every rank, the element-wise reduction over all
     * ranks of the {@code sum(pieces)} elements of {@code type} at {@code buf[0, ...)}.
     * {@code op} is SUM, MIN, MAX or PRODUCT (the caller turns AVERAGE into SUM plus a scale).
     */
    void allreduce(ByteBuffer buf, DType type, Reduction op, int[] pieces);

    /**
     * Rank {@code r} contributes {@code bytesPerRank[r]} bytes from {@code send[0, ...)};
     * afterwards every rank's {@code recv} holds all contributions concatenated in rank order.
     */
    void allgather(ByteBuffer send, ByteBuffer recv, int[] bytesPerRank);

    /** Copies {@code buf[0, bytes)} of rank {@code root} into {@code buf} of every other rank. */
    void broadcast(ByteBuffer buf, int bytes, int root);

    /**
     * Reduces {@code send} (as in {@link #allreduce}, same piece rule) but delivers to rank
     * {@code r} only piece {@code r}, written to {@code recv[0, pieces[r] * type.bytes())}.
     * {@code send} may serve as scratch space: its contents are undefined afterwards.
     */
    void reducescatter(ByteBuffer send, ByteBuffer recv, DType type, Reduction op, int[] pieces);

    /**
     * Personalised exchange: this rank sends {@code send}'s consecutive blocks of
     * {@code sendBytes[j]} bytes to rank {@code j}, and receives from rank {@code j} a block of
     * {@code recvBytes[j]} bytes, stored consecutively in rank order in {@code recv}.
     */
    void alltoall(ByteBuffer send, int[] sendBytes, ByteBuffer recv, int[] recvBytes);

    /** Returns once every rank has entered the barrier. */
    void barrier();

    /**
     * A buffer that this transport can reduce without copying it first (a region of shared
     * memory for {@code shm}); a plain direct buffer where there is no such thing. The runtime
     * packs its fusion buffer here.
     */
    ByteBuffer allocate(int bytes);

    /**
     * Collective: a buffer of {@code bytes} that the other ranks of the group read where it lies,
     * for {@link #allreduceShared}; null on every rank when this transport has no such memory or
     * some rank could not make its part (no space left for it, say). The distributed optimizer
     * keeps its gradients in one, so that its exchange copies nothing in or out.
     */
    default SharedBuffer share(int bytes) {
        return null;
    }

    /**
     * In place, as {@link #allreduce}, on every rank's buffer from {@link #share}: rank {@code k}
     * reduces the element ranges {@code owned[k]} (pairs {@code start, count}, in elements of
     * {@code type}) in the order {@code x[k] + x[k+1] + ... + x[k-1]}, so an element placed in the
     * range of its tensor's piece {@code k} gets the bits that tensor gets alone. The ranges of all
     * ranks together must cover the elements to reduce, each once; elements outside them keep
     * this rank's values. Each result is then multiplied by {@code postscale} (floating types; 1:
     * not at all), exactly as a {@link Reducer#scale} pass after the reduction would, but while
     * the result is still in the reducing rank's cache.
     *
     * @throws UnsupportedOperationException where {@link #share} returns null
     */
    default void allreduceShared(SharedBuffer buf, DType type, Reduction op, int[][] owned, double postscale) {
        throw new UnsupportedOperationException(name() + " has no shared buffers");
    }

    /**
     * Makes every blocked or later call fail with {@code reason} (called from another thread when
     * the job is being torn down, for example after a peer died).
     */
    void abort(String reason);

    /** Releases sockets, mappings and threads; idempotent. */
    @Override
    void close();
}
