package org.hvd4j.allreduce.comm;

import java.nio.ByteBuffer;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.cuda.CudaDriver;
import org.hvd4j.cuda.CudaException;
import org.hvd4j.tensor.DType;

/**
 * A {@link DeviceCommunicator} over the rank's host {@link Communicator}: each collective copies
 * the device bytes into a page-locked host buffer on the given stream, waits for that copy, runs
 * the host collective (shared memory, TCP ring or hierarchical, with the host transport's piece
 * rule), and enqueues the copy back. It is what the emulated CUDA device uses (NCCL cannot run
 * there), so CI exercises the whole device path (events, streams, the device fusion buffer, the
 * pack and unpack kernels with their scales), and the fallback on a GPU without NCCL.
 *
 * <p>Every device allreduce is exactly one host {@code allreduce} with the same pieces, and every
 * broadcast one host {@code broadcast} of the same bytes: the host collective sequence is the one
 * the host path would run, which is also what lets a rank without device memory take part with
 * {@link #allreduceHostZeros}. With one rank nothing is copied (every collective is the identity).
 *
 * <p>The host buffer grows on demand and is written by the host only after a stream
 * synchronisation that follows the last copy out of it. Used from one thread at a time (the
 * engine); {@link #abort} may come from any thread.
 */
public final class StagedDeviceCommunicator implements DeviceCommunicator {
    private final CudaDriver driver;
    private final Communicator host;
    private ByteBuffer staging;
    private long lastStream;
    private volatile String aborted;
    private boolean closed;

    /** Stages through {@code host} (not owned: the runtime closes it) with {@code driver}'s copies. */
    public StagedDeviceCommunicator(CudaDriver driver, Communicator host) {
        this.driver = driver;
        this.host = host;
    }

    @Override
    public String name() {
        return "staged(" + host.name() + ")";
    }

    @Override
    public int rank() {
        return host.rank();
    }

    @Override
    public int size() {
        return host.size();
    }

    @Override
    public void allreduce(long buf, int count, DType type, Reduction op, long stream) {
        allreduce(buf, Pieces.balanced(count, host.size()), type, op, stream);
    }

    @Override
    public void allreduce(long buf, int[] pieces, DType type, Reduction op, long stream) {
        check();
        int bytes = Math.multiplyExact(Pieces.total(pieces), type.bytes());
        if (host.size() == 1) {
            return; // the identity
        }
        ByteBuffer b = stageOut(buf, bytes, stream);
        host.allreduce(b, type, op, pieces);
        stageIn(buf, b, bytes, stream);
    }

    /**
     * What a rank without device memory (one that has joined before it ever had a CUDA tensor)
     * contributes to a staged device allreduce of the other ranks over {@code host}: the same host
     * collective, on zeros.
     */
    public static void allreduceHostZeros(Communicator host, int[] pieces, DType type, Reduction op) {
        int count = Pieces.total(pieces);
        ByteBuffer zeros = Bytes.direct(Math.multiplyExact(count, type.bytes()));
        Reducer.fill(type, zeros, 0, count, 0);
        host.allreduce(zeros, type, op, pieces);
    }

    @Override
    public void broadcast(long buf, int count, DType type, int root, long stream) {
        check();
        int bytes = Math.multiplyExact(count, type.bytes());
        if (host.size() == 1) {
            return;
        }
        boolean isRoot = root == host.rank();
        ByteBuffer b = isRoot ? stageOut(buf, bytes, stream) : buffer(bytes, stream);
        host.broadcast(b, bytes, root);
        if (!isRoot) {
            stageIn(buf, b, bytes, stream);
        }
    }

    /** Device bytes → the staging buffer, waited for. */
    private ByteBuffer stageOut(long buf, int bytes, long stream) {
        ByteBuffer b = buffer(bytes, stream);
        if (bytes > 0) {
            try {
                driver.copyDeviceToHost(b, 0, buf, bytes, stream);
                driver.streamSynchronize(stream);
            } catch (CudaException e) {
                throw failed("copying " + bytes + " bytes from the device", e);
            }
        }
        return b;
    }

    /** The staging buffer → device bytes, enqueued (the next host write waits for it, see {@link #buffer}). */
    private void stageIn(long buf, ByteBuffer b, int bytes, long stream) {
        if (bytes > 0) {
            try {
                driver.copyHostToDevice(buf, b, 0, bytes, stream);
            } catch (CudaException e) {
                throw failed("copying " + bytes + " bytes to the device", e);
            }
        }
        lastStream = stream;
    }

    /**
     * The staging buffer, at least {@code bytes}, once no copy back reads it any more (the host
     * is about to write it: a copy out, or a broadcast received into it). The runtime synchronises
     * the stream after every collective, so there is rarely anything left to wait for here.
     */
    private ByteBuffer buffer(int bytes, long stream) {
        try {
            if (lastStream != 0) {
                driver.streamSynchronize(lastStream);
                lastStream = 0;
            }
            if (staging == null || staging.capacity() < bytes) {
                if (staging != null) {
                    driver.hostFree(staging);
                }
                staging = driver.hostAlloc(Math.max(bytes, 4096));
            }
        } catch (CudaException e) {
            throw failed("preparing " + bytes + " bytes of pinned host memory", e);
        }
        return staging;
    }

    @Override
    public void synchronize(long stream) {
        check();
        try {
            driver.streamSynchronize(stream);
        } catch (CudaException e) {
            throw failed("waiting for the stream", e);
        }
        if (lastStream == stream) {
            lastStream = 0;
        }
    }

    @Override
    public void abort(String reason) {
        if (aborted == null) {
            aborted = reason == null ? "aborted" : reason;
        }
        host.abort(aborted);
    }

    /** Frees the staging buffer (the host communicator belongs to the runtime); idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ByteBuffer b = staging;
        staging = null;
        if (b != null) {
            try {
                if (lastStream != 0) {
                    driver.streamSynchronize(lastStream);
                }
                driver.hostFree(b);
            } catch (RuntimeException e) {
                // the device was released first (its driver frees pinned memory with its context)
            }
        }
    }

    private void check() {
        if (aborted != null) {
            throw new CommunicatorException(aborted);
        }
        if (closed) {
            throw new CommunicatorException("the staged device communicator is closed");
        }
    }

    private CommunicatorException failed(String what, CudaException e) {
        return new CommunicatorException("rank " + host.rank() + ": " + name() + ": " + what + " failed: "
                + e.getMessage(), e);
    }

    @Override
    public String toString() {
        return "StagedDeviceCommunicator[" + host.name() + ", rank " + host.rank() + " of " + host.size() + "]";
    }
}
