package org.hvd4j.allreduce.nccl;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Supplier;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.allreduce.comm.CommunicatorException;
import org.hvd4j.allreduce.comm.DeviceCommunicator;
import org.hvd4j.allreduce.rendezvous.RendezvousClient;
import org.hvd4j.cuda.CudaException;
import org.hvd4j.cuda.CudaUnavailableException;
import org.hvd4j.cuda.Nccl;
import org.hvd4j.tensor.DType;

/**
 * Collectives over device memory with NCCL, one communicator per rank and GPU.
 *
 * <p>Buffers are device addresses (for example from {@link org.hvd4j.cuda.CudaDriver#malloc}, plus
 * a byte offset) and every operation is enqueued on a CUDA stream (a {@code CudaDriver} stream
 * handle) without waiting; {@link #synchronize} waits for the stream while polling NCCL's
 * asynchronous error state, so that a dead or hung peer ends in a {@link CommunicatorException}
 * (and an aborted communicator), never in a hang. As with {@link
 * org.hvd4j.allreduce.comm.Communicator}, every rank must issue the same collectives in the same
 * order with the same sizes; after any failure the communicator is unusable.
 *
 * <p>Unlike the host transports, NCCL does not follow the runtime's piece rule: its results are
 * deterministic for a given size, rank count and topology, but a tensor reduced inside a fusion
 * buffer need not get the bits it gets alone.
 *
 * <p>The runtime creates one at the first allreduce or broadcast of CUDA tensors on a real GPU
 * (see {@link DeviceCommunicator}); the allreduce of pieces it inherits ignores the pieces.
 *
 * <p>Thread-safe: calls are serialised, and {@link #abort} may come from any thread.
 */
public final class NcclCommunicator implements DeviceCommunicator {
    /** The rendezvous key under which rank 0 publishes the unique id unless told otherwise. */
    public static final String DEFAULT_KEY = "nccl/unique-id";

    private final Nccl nccl;
    private final Duration timeout;

    private NcclCommunicator(Nccl nccl, Duration timeout) {
        this.nccl = nccl;
        this.timeout = timeout;
    }

    /** Whether NCCL and a CUDA device are usable in this process; false (never an exception) otherwise. */
    public static boolean isAvailable() {
        try {
            return Nccl.isAvailable();
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }

    /** Why {@link #isAvailable} is false (the missing library, no device, ...), or null. */
    public static String unavailableReason() {
        try {
            return Nccl.unavailableReason();
        } catch (LinkageError | RuntimeException e) {
            return e.toString();
        }
    }

    /** A new NCCL unique id, made by rank 0 and given to every rank's {@link #create}. */
    public static byte[] newUniqueId() {
        return Nccl.uniqueId();
    }

    /**
     * Joins the communicator named by {@code uniqueId} (the same 128 bytes on every rank) as
     * {@code rank} of {@code size}, on device {@code ordinal}.
     *
     * @param timeout how long to wait for every rank to join, and the default deadline of
     *                {@link #synchronize(long)}
     * @throws CudaUnavailableException without NCCL, the CUDA libraries or a device
     * @throws CommunicatorException when NCCL fails or not every rank joins within {@code timeout}
     */
    public static NcclCommunicator create(int rank, int size, int ordinal, byte[] uniqueId, Duration timeout) {
        try {
            return new NcclCommunicator(Nccl.init(rank, size, ordinal, uniqueId, timeout), timeout);
        } catch (CudaUnavailableException e) {
            throw e;
        } catch (CudaException e) {
            throw new CommunicatorException("rank " + rank + " of " + size + ": creating the NCCL communicator on cuda:"
                    + ordinal + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * {@link #create(int, int, int, byte[], Duration)} with the unique id exchanged through the
     * rendezvous server: rank 0 makes it and puts it under {@code key}, every other rank waits for it
     * there (up to {@code timeout}). The key must be unused for this job (one per communicator).
     */
    public static NcclCommunicator create(int rank, int size, int ordinal, RendezvousClient kv, String key,
                                          Duration timeout) throws IOException {
        byte[] id = shareUniqueId(rank, kv, key, NcclCommunicator::newUniqueId, timeout);
        return create(rank, size, ordinal, id, timeout);
    }

    /** Rank 0 publishes {@code make.get()} under {@code key}; the others read it. Package-private for tests. */
    static byte[] shareUniqueId(int rank, RendezvousClient kv, String key, Supplier<byte[]> make, Duration timeout)
            throws IOException {
        byte[] id;
        if (rank == 0) {
            id = make.get();
            kv.put(key, id);
        } else {
            try {
                id = kv.get(key, timeout);
            } catch (IOException e) {
                throw new IOException("rank " + rank + ": the NCCL unique id of rank 0 (rendezvous key '" + key
                        + "') did not arrive within " + timeout.toMillis() / 1000.0 + " s (is rank 0 using NCCL too?): "
                        + e.getMessage(), e);
            }
        }
        if (id.length != Nccl.UNIQUE_ID_BYTES) {
            throw new IOException("rank " + rank + ": the NCCL unique id under '" + key + "' has " + id.length
                    + " bytes, not " + Nccl.UNIQUE_ID_BYTES);
        }
        return id;
    }

    // ---- type mapping ---------------------------------------------------------------------------

    /** NCCL's element type for {@code type}. Package-private for tests. */
    static Nccl.DataType dataType(DType type) {
        return switch (type) {
            case FLOAT32 -> Nccl.DataType.FLOAT32;
            case FLOAT64 -> Nccl.DataType.FLOAT64;
            case BFLOAT16 -> Nccl.DataType.BFLOAT16;
            case FLOAT16 -> Nccl.DataType.FLOAT16;
            case INT32 -> Nccl.DataType.INT32;
            case INT64 -> Nccl.DataType.INT64;
            case UINT8 -> Nccl.DataType.UINT8;
        };
    }

    /** NCCL's reduction for {@code op} on {@code type} (AVERAGE is ncclAvg, floating point only). */
    static Nccl.Op op(Reduction op, DType type) {
        return switch (op) {
            case SUM -> Nccl.Op.SUM;
            case PRODUCT -> Nccl.Op.PROD;
            case MIN -> Nccl.Op.MIN;
            case MAX -> Nccl.Op.MAX;
            case AVERAGE -> {
                if (!type.isFloatingPoint()) {
                    throw new IllegalArgumentException("AVERAGE of " + type + " is not defined (it would round): use SUM");
                }
                yield Nccl.Op.AVG;
            }
        };
    }

    // ---- collectives ----------------------------------------------------------------------------

    /** {@code nccl}. */
    public String name() {
        return "nccl";
    }

    public int rank() {
        return nccl.rank();
    }

    public int size() {
        return nccl.size();
    }

    /** The device this rank's communicator runs on. */
    public int ordinal() {
        return nccl.ordinal();
    }

    /** In place: {@code count} elements at {@code buf} become their reduction over all ranks. */
    public void allreduce(long buf, int count, DType type, Reduction op, long stream) {
        allreduce(buf, buf, count, type, op, stream);
    }

    /** {@code recv[0, count)} = the reduction over all ranks of {@code send[0, count)}. */
    public void allreduce(long send, long recv, int count, DType type, Reduction op, long stream) {
        checkCount(count);
        Nccl.Op o = op(op, type);
        run("allreduce of " + count + " " + type, () -> nccl.allReduce(send, recv, count, dataType(type), o, stream));
    }

    /** Every rank sends {@code countPerRank} elements; {@code recv} holds size × countPerRank in rank order. */
    public void allgather(long send, long recv, int countPerRank, DType type, long stream) {
        checkCount(countPerRank);
        run("allgather of " + countPerRank + " " + type + " per rank",
                () -> nccl.allGather(send, recv, countPerRank, dataType(type), stream));
    }

    /** In place: rank {@code root}'s {@code count} elements at {@code buf} are copied to every rank's {@code buf}. */
    public void broadcast(long buf, int count, DType type, int root, long stream) {
        checkCount(count);
        if (root < 0 || root >= size()) {
            throw new IllegalArgumentException("broadcast root " + root + " of " + size() + " ranks");
        }
        run("broadcast of " + count + " " + type + " from rank " + root,
                () -> nccl.broadcast(buf, buf, count, dataType(type), root, stream));
    }

    /**
     * {@code send} holds size × {@code countPerRank} elements; afterwards rank r's {@code recv} holds
     * the reduction over all ranks of block r.
     */
    public void reducescatter(long send, long recv, int countPerRank, DType type, Reduction op, long stream) {
        checkCount(countPerRank);
        Nccl.Op o = op(op, type);
        run("reducescatter of " + countPerRank + " " + type + " per rank",
                () -> nccl.reduceScatter(send, recv, countPerRank, dataType(type), o, stream));
    }

    /** Waits for {@code stream} with the timeout given to {@link #create}; see {@link #synchronize(long, Duration)}. */
    public void synchronize(long stream) {
        synchronize(stream, timeout);
    }

    /**
     * Waits until the work enqueued on {@code stream} has finished, polling NCCL's asynchronous
     * error: a failed peer, an {@link #abort} or the deadline aborts the communicator and throws.
     */
    public void synchronize(long stream, Duration timeout) {
        run("waiting for the stream", () -> nccl.synchronize(stream, timeout));
    }

    /** Throws (and aborts) if NCCL reported an asynchronous failure, for example a peer that died. */
    public void checkAsyncError() {
        run("the asynchronous error check", nccl::checkAsyncError);
    }

    /** Makes blocked and later calls fail with {@code reason} and frees the communicator without waiting for peers. */
    public void abort(String reason) {
        nccl.abort(reason);
    }

    /** Flushes and frees the communicator (every rank should close it); idempotent. */
    @Override
    public void close() {
        try {
            nccl.close();
        } catch (CudaException e) {
            throw new CommunicatorException("rank " + rank() + ": closing the NCCL communicator failed: "
                    + e.getMessage(), e);
        }
    }

    private static void checkCount(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("negative element count " + count);
        }
    }

    private void run(String what, Runnable call) {
        try {
            call.run();
        } catch (CudaException e) {
            throw new CommunicatorException("rank " + rank() + " of " + size() + ": NCCL " + what + " failed: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "NcclCommunicator[" + nccl + "]";
    }
}
