package org.hvd4j.allreduce.comm;

import java.nio.ByteBuffer;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.tensor.DType;

/**
 * Collectives over several hosts with {@code L} ranks each: shared memory inside a host, one TCP
 * ring per local rank across the hosts (Horovod's hierarchical allreduce, with every local rank
 * carrying its own share of the inter-host traffic in parallel).
 *
 * <p>Ranks are numbered host by host: global rank {@code h*L + l} is local rank {@code l} on host
 * {@code h}. The global pieces are grouped by host-local part: pieces {@code [l*H, (l+1)*H)} form
 * part {@code l}, reduced on host by local rank {@code l} and then across hosts by its ring with
 * those {@code H} pieces, so an element's value still depends only on its piece.
 *
 * <p>Allreduce: local reduce-scatter by part → cross-host allreduce of the part → local allgather.
 * Allgather: local allgather into the host's block, an allgather of host blocks among local
 * leaders, a local broadcast. Broadcast: across hosts among the root's local rank, then within
 * each host. Reducescatter runs as an allreduce (not bandwidth-optimal; rarely used in data
 * parallelism), alltoall over direct connections.
 */
public final class HierarchicalCommunicator implements Communicator {
    /** The personalised exchange, over direct connections between any two ranks. */
    public interface Alltoall extends AutoCloseable {
        void run(ByteBuffer send, int[] sendBytes, ByteBuffer recv, int[] recvBytes);

        @Override
        void close();
    }

    private final Communicator local;
    private final Communicator cross;
    private final Alltoall alltoall;
    private final int localSize;
    private final int hosts;
    private final int rank;
    private ByteBuffer part = Bytes.direct(64);

    /**
     * @param local    the ranks of this host (size L), local rank = rank within it
     * @param cross    the ranks with this local rank on every host (size H), by host
     * @param alltoall direct exchange among all ranks
     */
    public HierarchicalCommunicator(Communicator local, Communicator cross, Alltoall alltoall) {
        this.local = local;
        this.cross = cross;
        this.alltoall = alltoall;
        this.localSize = local.size();
        this.hosts = cross.size();
        this.rank = cross.rank() * localSize + local.rank();
    }

    /** The ranks of this host (the device path's hierarchical communicator stages its local step here). */
    public Communicator local() {
        return local;
    }

    /** The ranks with this local rank on every host, by host (the device path's cross step). */
    public Communicator cross() {
        return cross;
    }

    @Override
    public String name() {
        return "hierarchical(" + local.name() + "+" + cross.name() + ")";
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
    public void allreduce(ByteBuffer buf, DType type, Reduction op, int[] pieces) {
        Pieces.check(pieces, size());
        int es = type.bytes();
        int[] partCounts = new int[localSize];
        for (int l = 0; l < localSize; l++) {
            for (int h = 0; h < hosts; h++) {
                partCounts[l] += pieces[l * hosts + h];
            }
        }
        int l = local.rank();
        ByteBuffer mine = scratch(partCounts[l] * es);
        local.reducescatter(buf, mine, type, op, partCounts);
        int[] crossPieces = new int[hosts];
        System.arraycopy(pieces, l * hosts, crossPieces, 0, hosts);
        cross.allreduce(mine, type, op, crossPieces);
        int[] partBytes = new int[localSize];
        for (int j = 0; j < localSize; j++) {
            partBytes[j] = partCounts[j] * es;
        }
        local.allgather(mine, buf, partBytes);
    }

    @Override
    public void allgather(ByteBuffer send, ByteBuffer recv, int[] bytesPerRank) {
        Pieces.check(bytesPerRank, size());
        int[] off = Pieces.offsets(bytesPerRank);
        int h = cross.rank();
        int[] localBytes = new int[localSize];
        System.arraycopy(bytesPerRank, h * localSize, localBytes, 0, localSize);
        int hostStart = off[h * localSize];
        int hostBytes = off[(h + 1) * localSize] - hostStart;
        // gather this host's blocks into a scratch buffer, then place it at the host's offset
        ByteBuffer host = scratch(hostBytes);
        local.allgather(send, host, localBytes);
        if (local.rank() == 0) {
            int[] perHost = new int[hosts];
            for (int j = 0; j < hosts; j++) {
                perHost[j] = off[(j + 1) * localSize] - off[j * localSize];
            }
            cross.allgather(host, recv, perHost);
        }
        local.broadcast(recv, off[size()], 0);
    }

    @Override
    public void broadcast(ByteBuffer buf, int bytes, int root) {
        if (root < 0 || root >= size()) {
            throw new IllegalArgumentException("broadcast root " + root + " outside [0, " + size() + ")");
        }
        int rootHost = root / localSize;
        int rootLocal = root % localSize;
        if (local.rank() == rootLocal) {
            cross.broadcast(buf, bytes, rootHost);
        }
        local.broadcast(buf, bytes, rootLocal);
    }

    @Override
    public void reducescatter(ByteBuffer send, ByteBuffer recv, DType type, Reduction op, int[] pieces) {
        Pieces.check(pieces, size());
        allreduce(send, type, op, pieces);
        int[] off = Pieces.offsets(pieces);
        Bytes.copy(send, off[rank] * type.bytes(), recv, 0, pieces[rank] * type.bytes());
    }

    @Override
    public void alltoall(ByteBuffer send, int[] sendBytes, ByteBuffer recv, int[] recvBytes) {
        alltoall.run(send, sendBytes, recv, recvBytes);
    }

    @Override
    public void barrier() {
        local.barrier();
        if (local.rank() == 0) {
            cross.barrier();
        }
        local.barrier();
    }

    @Override
    public ByteBuffer allocate(int bytes) {
        return Bytes.direct(bytes);
    }

    @Override
    public void abort(String reason) {
        local.abort(reason);
        cross.abort(reason);
    }

    @Override
    public void close() {
        local.close();
        cross.close();
        alltoall.close();
    }

    private ByteBuffer scratch(int bytes) {
        if (part.capacity() < bytes) {
            part = Bytes.direct(Math.max(bytes, part.capacity() * 2));
        }
        return part;
    }
}
