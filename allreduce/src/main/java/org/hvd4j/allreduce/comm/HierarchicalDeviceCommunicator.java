package org.hvd4j.allreduce.comm;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.tensor.DType;

/**
 * A {@link DeviceCommunicator} over several hosts with {@code L} ranks each, numbered host by
 * host (global rank {@code h*L + l} is local rank {@code l} on host {@code h}), as {@link
 * HierarchicalCommunicator} numbers them: a device communicator within the host (NCCL on real
 * GPUs, else staged over the host's shared memory) and one across the hosts among the ranks
 * with the same local rank (staged through pinned host memory over the cross TCP ring of the
 * hierarchical host transport).
 *
 * <p><b>Allreduce</b> of {@code N = L*H} global pieces: the pieces form {@code L} parts, part
 * {@code l} being pieces {@code [l*H, (l+1)*H)}, as in {@link HierarchicalCommunicator}. (1) A
 * local allreduce with one piece per part: every rank of the host holds the host's sum; (2) local
 * rank {@code l} allreduces part {@code l} across the hosts with that part's {@code H} pieces —
 * the {@code L} cross rings run in parallel, each carrying {@code 1/L} of the bytes; (3) {@code L}
 * local broadcasts, part {@code l} from local rank {@code l}. Every rank ends with the bits of
 * the local rank that reduced the part, so results are identical on every rank and an element's
 * value depends only on its global piece (fused equals alone). With a staged local communicator
 * the reduction order is exactly {@link HierarchicalCommunicator}'s (local reduce-scatter by
 * part, cross allreduce of the part), so the bits are the flat staged path's over the
 * hierarchical host transport; with NCCL within the host they are NCCL's.
 *
 * <p><b>Broadcast</b> from {@code root = h*L + l}: local rank {@code l} of every host takes part
 * in a cross broadcast from host {@code h}, then every host broadcasts from its local rank
 * {@code l}.
 *
 * <p>Both communicators are owned (closed with this one); the host communicators under them
 * belong to the runtime. Used from one thread at a time; {@link #abort} from any thread.
 */
public final class HierarchicalDeviceCommunicator implements DeviceCommunicator {
    private final DeviceCommunicator local;
    private final DeviceCommunicator cross;
    private final int localSize;
    private final int hosts;
    private final int rank;

    /**
     * @param local the ranks of this host (size L), local rank = rank within it
     * @param cross the ranks with this local rank on every host (size H), by host
     */
    public HierarchicalDeviceCommunicator(DeviceCommunicator local, DeviceCommunicator cross) {
        this.local = local;
        this.cross = cross;
        this.localSize = local.size();
        this.hosts = cross.size();
        this.rank = cross.rank() * localSize + local.rank();
    }

    /** The name {@code hierarchical(LOCAL+CROSS)} that one over {@code local} and {@code cross} has. */
    public static String name(String local, String cross) {
        return "hierarchical(" + local + "+" + cross + ")";
    }

    @Override
    public String name() {
        return name(local.name(), cross.name());
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return localSize * hosts;
    }

    @Override
    public void allreduce(long buf, int count, DType type, Reduction op, long stream) {
        allreduce(buf, Pieces.balanced(count, size()), type, op, stream);
    }

    @Override
    public void allreduce(long buf, int[] pieces, DType type, Reduction op, long stream) {
        Pieces.check(pieces, size());
        int[] parts = parts(pieces, localSize, hosts);
        int[] off = Pieces.offsets(parts);
        long es = type.bytes();
        int l = local.rank();
        local.allreduce(buf, parts, type, op, stream);
        cross.allreduce(buf + off[l] * es, crossPieces(pieces, l, hosts), type, op, stream);
        for (int j = 0; j < localSize; j++) {
            if (parts[j] > 0) {
                local.broadcast(buf + off[j] * es, parts[j], type, j, stream);
            }
        }
    }

    /**
     * What a rank without device memory (joined before it ever had a CUDA tensor) contributes to
     * a hierarchical device allreduce whose local and cross steps are staged over {@code localHost}
     * and {@code crossHost}: the same host collectives in the same order, on zeros.
     */
    public static void allreduceHostZeros(Communicator localHost, Communicator crossHost, int[] pieces, DType type,
                                          Reduction op) {
        int localSize = localHost.size();
        int hosts = crossHost.size();
        Pieces.check(pieces, localSize * hosts);
        int[] parts = parts(pieces, localSize, hosts);
        int[] off = Pieces.offsets(parts);
        int es = type.bytes();
        int count = Pieces.total(pieces);
        ByteBuffer buf = Bytes.direct(Math.max(1, count * es));
        Reducer.fill(type, buf, 0, count, 0);
        int l = localHost.rank();
        if (localSize > 1) {
            localHost.allreduce(buf, type, op, parts);
        }
        if (hosts > 1) {
            crossHost.allreduce(Bytes.slice(buf, off[l] * es, parts[l] * es), type, op, crossPieces(pieces, l, hosts));
        }
        for (int j = 0; j < localSize && localSize > 1; j++) {
            if (parts[j] > 0) {
                localHost.broadcast(Bytes.slice(buf, off[j] * es, parts[j] * es), parts[j] * es, j);
            }
        }
    }

    /** Elements of each part: {@code parts[l] = pieces[l*H] + ... + pieces[(l+1)*H - 1]}. */
    static int[] parts(int[] pieces, int localSize, int hosts) {
        int[] parts = new int[localSize];
        for (int l = 0; l < localSize; l++) {
            for (int h = 0; h < hosts; h++) {
                parts[l] += pieces[l * hosts + h];
            }
        }
        return parts;
    }

    private static int[] crossPieces(int[] pieces, int l, int hosts) {
        return Arrays.copyOfRange(pieces, l * hosts, (l + 1) * hosts);
    }

    @Override
    public void broadcast(long buf, int count, DType type, int root, long stream) {
        if (root < 0 || root >= size()) {
            throw new IllegalArgumentException("broadcast root " + root + " outside [0, " + size() + ")");
        }
        int rootHost = root / localSize;
        int rootLocal = root % localSize;
        if (local.rank() == rootLocal) {
            cross.broadcast(buf, count, type, rootHost, stream);
        }
        local.broadcast(buf, count, type, rootLocal, stream);
    }

    @Override
    public void synchronize(long stream) {
        local.synchronize(stream);
        cross.synchronize(stream);
    }

    @Override
    public void abort(String reason) {
        local.abort(reason);
        cross.abort(reason);
    }

    @Override
    public void close() {
        try {
            local.close();
        } finally {
            cross.close();
        }
    }

    @Override
    public String toString() {
        return "HierarchicalDeviceCommunicator[" + name() + ", rank " + rank + " of " + size() + "]";
    }
}
