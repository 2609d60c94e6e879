package org.hvd4j.allreduce.runtime;

import java.nio.ByteBuffer;
import java.util.List;
import org.hvd4j.allreduce.HvdException;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.allreduce.comm.Bytes;
import org.hvd4j.allreduce.comm.Communicator;
import org.hvd4j.allreduce.comm.SharedBuffer;
import org.hvd4j.tensor.DType;

/**
 * The distributed optimizer's gradient exchange, run by the training thread itself on a
 * communicator of its own ({@code HVD4J_INLINE_EXCHANGE}). On a host with no core to spare for the
 * engine thread, handing the gradients to it costs a negotiation round trip through rank 0's
 * coordinator and the wake-ups of the engine and training threads; for the 2.6 ms {@code mlp}
 * step of 2 ranks on 2 cores the runtime cost 1.2–1.4 ms per step, the bare exchange of its 2.1 MB
 * over shared memory ({@code step-probe --mode raw}) 0.45 ms.
 *
 * <p><b>Agreement instead of negotiation.</b> Every call starts with an allgather of 16 bytes per
 * rank: what this rank asks for ({@link #ASK} with a 64-bit hash of the names, shapes, dtype,
 * reduction and scale factors of its tensors; {@link #DECLINE} when it cannot take this path, for
 * example for CUDA tensors; {@link #JOINED} from a rank waiting in {@code join()}). The tensors are
 * reduced here only when every rank asked with the same hash. Otherwise {@link #allreduce} returns
 * false on every rank alike — each sees the same 16 bytes of every rank — and the caller goes
 * through the engine, whose negotiation handles joined ranks and reports mismatches by name.
 *
 * <p><b>Same bits.</b> The tensors run through the engine's own {@link CollectiveRunner}, in a
 * response as the coordinator would build it, so the results are bitwise those of the engine path.
 *
 * <p><b>Where they lie.</b> A caller may pass a {@link SharedPlacement} (the distributed optimizer
 * does, for its gradients). An ASK then carries two flags: the tensors could move into a shared
 * buffer ({@link #MOVABLE}), or they are the ones placed there ({@link #PLACED}). When every rank
 * can move, they move into a buffer the transport shares ({@code Communicator.share}; on shared
 * memory, a segment of each rank's that the others map); while every rank passes exactly the
 * placed tensors, they are reduced where they lie in one round, each tensor's piece {@code k} by
 * rank {@code k} as the engine reduces it, so the bits stay the same. Nothing is copied in or out:
 * for the {@code mlp}'s 2.1 MB on 2 ranks each rank reads and writes about 4 MB instead of about
 * 10, and the exchange's median went from 456–882 to 260–382 µs (DESIGN).
 *
 * <p><b>Order.</b> This channel is separate from the engine's, so the two never interleave. But
 * its calls are blocking collectives in call order: a rank that blocks in another collective (a
 * synchronous {@code allreduce} of a metric, say) while the others wait here, and only submits
 * its gradients after that collective, deadlocks the job — with the engine path the gradients
 * would have been submitted during the backward pass. The stall inspector reports such a stall by
 * name on rank 0 after {@code HVD4J_STALL_CHECK_TIME_SECONDS}; {@code HVD4J_INLINE_EXCHANGE=off}
 * restores Horovod's order-free behaviour.
 */
public final class InlineExchange implements AutoCloseable {
    /** This rank asks for the exchange of the tensors whose hash follows. */
    static final long ASK = 1;
    /** This rank cannot exchange its tensors here (the others' tensors go through the engine too). */
    static final long DECLINE = 2;
    /** This rank waits in {@code join()}: it has no tensors to exchange. */
    static final long JOINED = 3;
    /** Flag of an ASK: this rank's tensors could move into a shared buffer now. */
    static final long MOVABLE = 1;
    /** Flag of an ASK: this rank's tensors are the ones placed in its shared buffer. */
    static final long PLACED = 2;

    private final int rank;
    private final Communicator comm;
    private final CollectiveRunner runner;
    private final long fusionCapacity;
    private final ByteBuffer mine = Bytes.direct(16);
    private final ByteBuffer all;
    private final int[] sixteen;
    private long rounds;

    /**
     * @param rank           this rank in the job (for messages)
     * @param fusionCapacity bytes of small tensors packed into one fused allreduce (0: each tensor
     *                       on its own, as the engine does with fusion disabled)
     */
    InlineExchange(int rank, Communicator comm, long fusionCapacity, Timeline timeline) {
        this.rank = rank;
        this.comm = comm;
        this.fusionCapacity = fusionCapacity;
        this.runner = new CollectiveRunner(comm, new FusionBuffer(comm, fusionCapacity), null, timeline);
        this.all = Bytes.direct(16 * comm.size());
        this.sixteen = new int[comm.size()];
        java.util.Arrays.fill(sixteen, 16);
    }

    /**
     * In place on every rank: {@code payloads[i]} (named {@code names[i]}, shape {@code shapes[i]})
     * becomes {@code postscale * op(prescale * x)} over all ranks, as
     * {@code HvdRuntime.allreduceAllAsync} would make it. Returns false, having changed nothing,
     * when some rank did not ask for exactly the same tensors (see the class comment): then every
     * rank returns false.
     *
     * @param op SUM or AVERAGE (the average divides by the number of ranks)
     */
    public boolean allreduce(List<Payload> payloads, List<String> names, List<int[]> shapes, Reduction op,
                             double prescale, double postscale) {
        return allreduce(payloads, names, shapes, op, prescale, postscale, null);
    }

    /**
     * The same, for tensors that may live in a buffer shared with the other ranks: once every
     * rank's {@code placement} can move, they move into one ({@link
     * org.hvd4j.allreduce.comm.Communicator#share}, where the transport has it), and from then
     * on, while every rank passes exactly the placed tensors, they are reduced where they lie.
     * The bits are the same either way.
     */
    public boolean allreduce(List<Payload> payloads, List<String> names, List<int[]> shapes, Reduction op,
                             double prescale, double postscale, SharedPlacement placement) {
        DType type = payloads.isEmpty() ? DType.FLOAT32 : payloads.get(0).dtype();
        boolean possible = op == Reduction.SUM || op == Reduction.AVERAGE;
        for (Payload p : payloads) {
            possible &= p.dtype() == type && p.hostBytes() != null;
        }
        long hash = possible ? hash(names, shapes, type, op, prescale, postscale) : 0;
        long flags = 0;
        if (possible && placement != null) {
            flags = placement.holds(payloads) ? PLACED : placement.movable() ? MOVABLE : 0;
        }
        try {
            long common = agree(possible ? ASK : DECLINE, flags, hash);
            if (common < 0) {
                return false;
            }
            double post = op == Reduction.AVERAGE ? postscale / comm.size() : postscale; // as the coordinator does
            if ((common & PLACED) != 0 || (common & MOVABLE) != 0 && move(placement, payloads, type)) {
                reduceShared(placement, payloads, names, hash, type, prescale, post);
            } else {
                reduce(payloads, names, shapes, type, prescale, post);
            }
            return true;
        } catch (RuntimeException e) {
            throw new HvdException("the exchange of " + names.size() + " gradients on the training thread of rank "
                    + rank + " (" + describe() + ") failed: " + e.getMessage(), e);
        }
    }

    /** Moves the tensors into a new shared buffer; false on every rank alike when the transport has none. */
    private boolean move(SharedPlacement placement, List<Payload> payloads, DType type) {
        long bytes = 0;
        for (Payload p : payloads) {
            bytes += (long) p.numel() * type.bytes();
        }
        SharedBuffer buf = bytes <= Integer.MAX_VALUE ? comm.share((int) bytes) : null; // collective
        if (buf == null) {
            placement.markUnavailable();
            return false;
        }
        placement.move(buf);
        return true;
    }

    /** The placed tensors, reduced where they lie: one round for all of them. */
    private void reduceShared(SharedPlacement placement, List<Payload> payloads, List<String> names, long hash,
                              DType type, double pre, double post) {
        int[] numels = new int[payloads.size()];
        int total = 0;
        for (int i = 0; i < numels.length; i++) {
            numels[i] = payloads.get(i).numel();
            total += numels[i];
        }
        int[][] owned = placement.owned(hash, numels, comm.size());
        SharedBuffer buf = placement.buffer();
        ByteBuffer bytes = buf.bytes();
        int count = total;
        runner.phase(names, "ALLREDUCE " + comm.name() + " shared", () -> {
            CollectiveRunner.scale(type, bytes, count, pre);
            // the scale after the sum, applied by each rank to its pieces before they are written
            // to the others: the same products, without a pass over the others' lines
            comm.allreduceShared(buf, type, Reduction.SUM, owned, post);
        });
    }

    private void reduce(List<Payload> payloads, List<String> names, List<int[]> shapes, DType type, double prescale,
                        double post) {
        Reduction sum = Reduction.SUM;
        int from = 0;
        long small = 0;
        for (int i = 0; i <= payloads.size(); i++) {
            long bytes = i < payloads.size() ? (long) payloads.get(i).numel() * type.bytes() : 0;
            boolean packed = bytes < CollectiveRunner.LARGE;
            // a response packs its small tensors into the fusion buffer: cut before it would overflow
            // (without fusion, every tensor on its own, as the engine runs them then)
            if (i == payloads.size() || i > from && (fusionCapacity == 0 || packed && small + bytes > fusionCapacity)) {
                run(payloads, names, shapes, from, i, type, sum, prescale, post);
                from = i;
                small = 0;
            }
            if (packed) {
                small += bytes;
            }
        }
    }

    /**
     * For a rank that has run out of data, while its {@code join()} waits in the engine: answers
     * the other ranks' calls of {@link #allreduce} with {@link #JOINED} (so they go through the
     * engine, where this rank contributes zeros) until every rank has joined.
     */
    public void awaitEveryRankJoined() {
        try {
            while (!agreeAll(JOINED)) {
                // another round: some rank is still training (its call of allreduce saw JOINED here)
            }
        } catch (RuntimeException e) {
            throw new HvdException("rank " + rank + " failed in join() while answering the other ranks' "
                    + "gradient exchange (" + describe() + "): " + e.getMessage(), e);
        }
    }

    /** Calls of the agreement so far (diagnostics and tests). */
    public long rounds() {
        return rounds;
    }

    private void run(List<Payload> payloads, List<String> names, List<int[]> shapes, int from, int to, DType type,
                     Reduction op, double pre, double post) {
        if (from == to) {
            return;
        }
        Entry[] entries = new Entry[to - from];
        int[][] dims = new int[to - from][];
        for (int i = from; i < to; i++) {
            entries[i - from] = new Entry(null, payloads.get(i), null);
            dims[i - from] = shapes.get(i);
        }
        Response r = new Response(OpKind.ALLREDUCE, List.copyOf(names.subList(from, to)), type, op, pre, post, -1, dims,
                new int[0][], null, -1);
        runner.run(r, entries);
    }

    /**
     * Sends {@code (tag, flags, hash)}; returns the flags every rank sent (their AND) when every
     * rank sent {@link #ASK} with this hash, -1 otherwise.
     */
    private long agree(long tag, long flags, long hash) {
        exchange(tag | flags << 8, hash);
        long common = flags;
        for (int r = 0; r < sixteen.length; r++) {
            long theirs = all.getLong(16 * r);
            if ((theirs & 0xff) != tag || all.getLong(16 * r + 8) != hash || tag != ASK) {
                return -1;
            }
            common &= theirs >>> 8;
        }
        return common;
    }

    /** Sends {@code tag}; true when every rank sent it. */
    private boolean agreeAll(long tag) {
        exchange(tag, 0);
        for (int r = 0; r < sixteen.length; r++) {
            if (all.getLong(16 * r) != tag) {
                return false;
            }
        }
        return true;
    }

    private void exchange(long tag, long hash) {
        mine.putLong(0, tag);
        mine.putLong(8, hash);
        comm.allgather(mine, all, sixteen);
        rounds++;
    }

    /** FNV-1a over everything the coordinator would compare, and the order of the tensors. */
    static long hash(List<String> names, List<int[]> shapes, DType type, Reduction op, double pre, double post) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            for (int c = 0; c < n.length(); c++) {
                h = mix(h, n.charAt(c));
            }
            h = mix(h, -1);
            for (int d : shapes.get(i)) {
                h = mix(h, d);
            }
            h = mix(h, -2);
        }
        h = mix(h, type.ordinal());
        h = mix(h, op.ordinal());
        h = mix(h, Double.doubleToLongBits(pre));
        return mix(h, Double.doubleToLongBits(post));
    }

    private static long mix(long h, long v) {
        for (int b = 0; b < 8; b++) {
            h ^= (v >>> (8 * b)) & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** Makes a call blocked here, on any rank, fail with {@code reason}. */
    public void abort(String reason) {
        comm.abort(reason);
    }

    @Override
    public void close() {
        comm.close();
    }

    /** Names what reduces here, for logs: {@code inline(shm)}. */
    public String describe() {
        return "inline(" + comm.name() + ")";
    }
}
