package org.hvd4j.allreduce.shm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.allreduce.comm.Bytes;
import org.hvd4j.allreduce.comm.Communicator;
import org.hvd4j.allreduce.comm.CommunicatorException;
import org.hvd4j.allreduce.comm.GroupExchange;
import org.hvd4j.allreduce.comm.Pieces;
import org.hvd4j.allreduce.comm.Reducer;
import org.hvd4j.allreduce.comm.SharedBuffer;
import org.hvd4j.allreduce.comm.SmallAllgathers;
import org.hvd4j.tensor.DType;

/**
 * Collectives among the ranks of one host through shared memory: each rank owns a {@link
 * ShmSegment} that every other rank maps, and the ranks move through numbered <em>rounds</em>
 * signalled by flags in their segments.
 *
 * <p><b>Allreduce</b> (in place, {@code N} ranks, pieces {@code P_0..P_{N-1}}): every round covers
 * one sub-block of {@code B = slot/N} bytes of every piece. Rank {@code r} copies the sub-blocks
 * of the other ranks' pieces into its slot and raises IN; once all INs are up it reduces its own
 * piece in the fixed order {@code x_r ⊕ x_{r+1} ⊕ ... ⊕ x_{r-1}} (so a value depends only on its
 * piece, see {@link Communicator}), 64 KiB at a time, and writes each result chunk back over the
 * peers' inputs it came from (only this rank reads those), then raises DONE; once all DONEs are
 * up it copies the other pieces' results out of its own slot. Work per rank: {@code (N-1)/N} of
 * the buffer copied in, {@code (N-1)/N} reduced and written, {@code (N-1)/N} copied out — the
 * same traffic as a ring, with no sockets and no kernel. Writing the results into the peers'
 * slots, rather than into this rank's for the peers to read, saves a pass: for 16 MiB on 2 ranks
 * the median call went from 1.93–2.05 ms to 1.80–1.81 ms (6 alternating runs, {@code
 * allreduce-bench --path transport}).
 *
 * <p>When the buffer is this rank's {@linkplain #allocate registered region} (the runtime's fusion
 * buffer), the data is already shared: the round skips both copies of the input, reduces its piece
 * in place and writes the result straight into the other ranks' regions — about half the memory
 * traffic, and two meeting points instead of three. A {@linkplain #share
 * shared buffer} (a segment of its own per rank, where the distributed optimizer keeps its
 * gradients) is reduced the same way, over ranges that follow each tensor's own pieces; so is a
 * caller's buffer of {@value #SHARED_MIN_BYTES} bytes or more that lies, on every rank, at the
 * same place in the same shared buffer (a tensor from {@code HvdRuntime.sharedTensor}).
 *
 * <p><b>Slot reuse.</b> Slots alternate by round parity. A rank writes its round-{@code k} slot only
 * after it has seen every peer's IN reach {@code k-1}, which a peer raises only after it has
 * finished reading (and, in an allreduce, writing) round {@code k-2}. Every operation below keeps
 * that invariant.
 */
public final class ShmCommunicator implements Communicator {
    private final int rank;
    private final int size;
    private final ShmSegment own;
    private final ShmSegment[] seg;
    private final PeerWait waiter = new PeerWait(this);
    private final int block;
    private final long selfPid = ProcessHandle.current().pid();
    private final Path dir;
    private final String job;
    private final ByteBuffer[] registered;
    private int shares;
    /** The buffers {@link #share} made, in order (the same on every rank). */
    private final java.util.List<Shared> shared = new java.util.ArrayList<>();
    private volatile long sharedAllreduces; // written by the thread that runs the collectives only
    private volatile String aborted;
    private long round;
    private long roundTag;
    private boolean closed;

    private ShmCommunicator(int rank, ShmSegment[] seg, Path dir, String job) {
        this.rank = rank;
        this.dir = dir;
        this.job = job;
        this.registered = new ByteBuffer[seg.length];
        for (int j = 0; j < seg.length; j++) {
            registered[j] = seg[j].registered();
        }
        this.size = seg.length;
        this.seg = seg;
        this.own = seg[rank];
        this.block = own.slotBytes / size / 64 * 64;
        if (block == 0) {
            throw new IllegalArgumentException("shm slot of " + own.slotBytes + " bytes is too small for " + size + " ranks");
        }
    }

    /**
     * Sets up the group, or returns null when shared memory does not work for some rank (no
     * {@code dir}, not enough space, or the ranks do not share it, as in separate containers).
     * The decision is collective: every rank returns null, or none does.
     *
     * @param slotBytes bytes per round slot (two per rank)
     * @param regBytes  bytes of the registered (zero-copy) region
     */
    public static ShmCommunicator create(int rank, int size, GroupExchange exchange, Path dir, String job,
                                         int slotBytes, int regBytes) throws IOException {
        ShmSegment[] segs = mapGroup(rank, size, exchange::allgather, "shm", "using sockets", () -> {
            ShmSegment.removeStale(dir);
            long need = 2L * slotBytes + regBytes + ShmSegment.DATA;
            long free = Files.getFileStore(dir).getUsableSpace();
            if (free < need * size) {
                throw new IOException(dir + " has " + free + " bytes free, " + need * size + " needed");
            }
            return ShmSegment.create(dir, job, rank, slotBytes, regBytes);
        });
        if (segs == null) {
            return null;
        }
        return new ShmCommunicator(rank, segs, dir, job);
    }

    /** Exchanges byte strings among the ranks under a key (the rendezvous, or this group itself). */
    private interface Allgather {
        byte[][] apply(String key, byte[] mine) throws IOException;
    }

    /** Makes this rank's segment. */
    private interface Maker {
        ShmSegment make() throws IOException;
    }

    /**
     * Every rank makes its segment and maps everybody else's; null on every rank when some rank
     * failed at either (each logs why). The files are unlinked once all have mapped them.
     */
    private static ShmSegment[] mapGroup(int rank, int size, Allgather allgather, String key, String otherwise,
                                         Maker maker) throws IOException {
        ShmSegment mine = null;
        String failure = null;
        try {
            mine = maker.make();
        } catch (IOException | RuntimeException e) {
            failure = e.toString();
        }
        byte[][] paths = allgather.apply(key + "/path",
                (mine == null ? "" : mine.path.toString()).getBytes(StandardCharsets.UTF_8));
        ShmSegment[] segs = new ShmSegment[size];
        segs[rank] = mine;
        for (int j = 0; j < size && failure == null; j++) {
            if (j == rank) {
                continue;
            }
            String p = new String(paths[j], StandardCharsets.UTF_8);
            if (p.isEmpty()) {
                failure = "local rank " + j + " could not create its segment";
                break;
            }
            try {
                segs[j] = ShmSegment.open(Path.of(p));
            } catch (IOException | RuntimeException e) {
                failure = "cannot map local rank " + j + "'s segment " + p + ": " + e;
            }
        }
        byte[][] verdicts = allgather.apply(key + "/ok", (failure == null ? "" : failure).getBytes(StandardCharsets.UTF_8));
        if (mine != null) {
            mine.unlink(); // every peer has mapped it (or given up): the file can go
        }
        for (byte[] v : verdicts) {
            if (v.length > 0) {
                if (mine != null) {
                    mine.close();
                }
                System.getLogger("org.hvd4j.allreduce").log(System.Logger.Level.INFO,
                        "shared memory unavailable (" + key + "), " + otherwise + ": " + new String(v, StandardCharsets.UTF_8));
                return null;
            }
        }
        return segs;
    }

    @Override
    public String name() {
        return "shm";
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    // ---- allreduce ---------------------------------------------------------------------------

    @Override
    public void allreduce(ByteBuffer buf, DType type, Reduction op, int[] pieces) {
        check();
        Pieces.check(pieces, size);
        int es = type.bytes();
        int[] off = Pieces.offsets(pieces);
        if (size == 1) {
            return;
        }
        if (buf == own.registered()) {
            allreduceRegistered(type, op, pieces, off);
            return;
        }
        if ((long) off[size] * es >= SHARED_MIN_BYTES && reducedWhereItLies(buf, type, op, pieces, off)) {
            return;
        }
        long tag = fingerprint(1, type.ordinal(), off[size]);
        int maxPiece = maxPieceBytes(pieces, es);
        for (int start = 0; start < maxPiece; start += block) {
            long k = beginRound(tag);
            reduceOwnSubBlock(buf, off, pieces, type, op, start, k, buf, off[rank] * es + start, "allreduce", true);
            raise(ShmSegment.DONE, k);
            awaitAll(ShmSegment.DONE, k, "allreduce");
            ByteBuffer mySlot = own.slot(k);
            for (int t = 1; t < size; t++) {
                int j = (rank + t) % size;
                Bytes.copy(mySlot, j * block, buf, off[j] * es + start, subLength(pieces[j] * es, start));
            }
        }
    }

    /**
     * The first half of a round {@code k} of allreduce and reducescatter: publishes the round's
     * sub-block of every other rank's piece of {@code src}, waits for the peers to publish theirs,
     * and reduces this rank's sub-block into {@code dst[dstPos, ...)} (which holds this rank's own
     * values) in the order {@code x_r ⊕ x_{r+1} ⊕ ...}. With {@code push}, each reduced chunk is
     * also written back, while still in cache, over the peers' inputs that it was reduced from
     * (only this rank reads those), so each peer finds the result in its own slot. Returns the
     * sub-block's length in bytes.
     */
    private int reduceOwnSubBlock(ByteBuffer src, int[] off, int[] pieces, DType type, Reduction op, int start, long k,
                                  ByteBuffer dst, int dstPos, String what, boolean push) {
        int es = type.bytes();
        ByteBuffer mySlot = own.slot(k);
        for (int j = 0; j < size; j++) {
            if (j != rank) {
                Bytes.copy(src, off[j] * es + start, mySlot, j * block, subLength(pieces[j] * es, start));
            }
        }
        raise(ShmSegment.IN, k);
        awaitAll(ShmSegment.IN, k, what);
        int mine = subLength(pieces[rank] * es, start);
        int chunk = push ? PUSH_CHUNK * es : Math.max(mine, 1);
        for (int done = 0; done < mine; done += chunk) {
            int n = Math.min(chunk, mine - done);
            for (int t = 1; t < size; t++) {
                Reducer.reduce(op, type, dst, dstPos + done, seg[(rank + t) % size].slot(k), rank * block + done, n / es);
            }
            for (int t = 1; t < size && push; t++) {
                Bytes.copy(dst, dstPos + done, seg[(rank + t) % size].slot(k), rank * block + done, n);
            }
        }
        return mine;
    }

    private static int maxPieceBytes(int[] pieces, int elementBytes) {
        int max = 0;
        for (int n : pieces) {
            max = Math.max(max, n * elementBytes);
        }
        return max;
    }

    private void allreduceRegistered(DType type, Reduction op, int[] pieces, int[] off) {
        int es = type.bytes();
        if (off[size] * es > own.regBytes) {
            throw new IllegalArgumentException(off[size] * es + " bytes exceed the registered region of " + own.regBytes);
        }
        reduceWhereItLies(registered, type, op, Pieces.ranges(0, pieces), 1.0, fingerprint(2, type.ordinal(), off[size]));
    }

    /**
     * The zero-copy allreduce over data that every rank reads and writes where it lies ({@code
     * data[j]} is rank {@code j}'s): this rank reduces its ranges in its own data, in the order
     * {@code x_r ⊕ x_{r+1} ⊕ ...}, and writes each result chunk into every other rank's data while
     * it is still in cache. Pushing the results beats each rank pulling the others': for the
     * {@code mlp}'s 2.1 MB on 2 ranks, reduce 73 µs, wait 55 µs and pull 149 µs (the pulled lines
     * sit modified in the other core's cache) became reduce-and-push 115–125 µs (means of 1400
     * exchanges in {@code step-probe}). Two meeting points: every input is final (IN), every
     * result written (DONE).
     */
    private void reduceWhereItLies(ByteBuffer[] data, DType type, Reduction op, int[][] owned, double postscale,
                                   long tag) {
        int es = type.bytes();
        ByteBuffer mine = data[rank];
        long k = beginRound(tag);
        raise(ShmSegment.IN, k);
        awaitAll(ShmSegment.IN, k, "allreduce");
        int[] ranges = owned[rank];
        for (int i = 0; i < ranges.length; i += 2) {
            for (int done = 0; done < ranges[i + 1]; done += PUSH_CHUNK) {
                int pos = (ranges[i] + done) * es;
                int n = Math.min(PUSH_CHUNK, ranges[i + 1] - done);
                for (int t = 1; t < size; t++) {
                    Reducer.reduce(op, type, mine, pos, data[(rank + t) % size], pos, n);
                }
                if (postscale != 1.0) {
                    Reducer.scale(type, mine, pos, n, postscale);
                }
                for (int t = 1; t < size; t++) {
                    Bytes.copy(mine, pos, data[(rank + t) % size], pos, n * es);
                }
            }
        }
        // the others write their results into this rank's data: it is complete once all are done
        raise(ShmSegment.DONE, k);
        awaitAll(ShmSegment.DONE, k, "allreduce");
    }

    /** Bytes from which an allreduce asks whether its buffer lies in a shared buffer on every rank. */
    public static final int SHARED_MIN_BYTES = 1 << 20;

    /**
     * Reduces {@code buf} where it lies when it is, on every rank, the same range of the same
     * {@linkplain #share shared buffer} (a tensor from {@code HvdRuntime.sharedTensor}); false,
     * having done nothing, when some rank's is not. Every rank takes this decision alike: each
     * publishes which buffer and offset its {@code buf} is (or that it is none) in one round, and
     * all read the same answers. That round costs what a barrier costs (microseconds when the
     * ranks arrive together), little against the copies it can save from {@link
     * #SHARED_MIN_BYTES} on (a 1 MiB allreduce through the slots takes about 0.2 ms on 2 ranks).
     */
    private boolean reducedWhereItLies(ByteBuffer buf, DType type, Reduction op, int[] pieces, int[] off) {
        int es = type.bytes();
        long bytes = (long) off[size] * es;
        long where = 0; // 1 + the index of the shared buffer, 0 for none
        long at = 0;
        long address = Bytes.address(buf);
        for (int i = 0; i < shared.size() && where == 0; i++) {
            Shared s = shared.get(i);
            long start = address - Bytes.address(s.data[rank]);
            if (start >= 0 && start + bytes <= s.bytes && start % es == 0) {
                where = i + 1;
                at = start;
            }
        }
        long k = beginRound(fingerprint(10, type.ordinal(), bytes));
        ByteBuffer mySlot = own.slot(k);
        mySlot.putLong(0, where);
        mySlot.putLong(8, at);
        raise(ShmSegment.IN, k);
        awaitAll(ShmSegment.IN, k, "allreduce placement");
        for (int t = 1; t < size; t++) {
            ByteBuffer peer = seg[(rank + t) % size].slot(k);
            if (peer.getLong(0) != where || peer.getLong(8) != at) {
                return false;
            }
        }
        if (where == 0) {
            return false;
        }
        int[][] owned = Pieces.ranges(Math.toIntExact(at / es), pieces);
        reduceWhereItLies(shared.get((int) where - 1).data, type, op, owned, 1.0, fingerprint(11, type.ordinal(), bytes));
        sharedAllreduces++;
        return true;
    }

    /** Elements reduced, then pushed, at a time (64 KiB of float32: still in L1/L2 when pushed). */
    private static final int PUSH_CHUNK = 16 << 10;

    // ---- shared buffers -----------------------------------------------------------------------

    /** Allreduces on caller buffers found in a shared buffer on every rank, and so reduced where they lie. */
    public long sharedAllreduces() {
        return sharedAllreduces;
    }

    /**
     * Collective: every rank maps a new segment of {@code bytes} (rounded up to 64) under the
     * group's directory and maps the others'; null on every rank when some rank could not.
     */
    @Override
    public SharedBuffer share(int bytes) {
        check();
        if (bytes < 0) {
            throw new IllegalArgumentException("shared buffer of " + bytes + " bytes");
        }
        int rounded = Math.toIntExact((bytes + 63L) / 64 * 64);
        String name = job + "-s" + ++shares;
        ShmSegment[] segs;
        try {
            segs = mapGroup(rank, size, (key, mine) -> SmallAllgathers.bytes(this, mine), "shared buffer " + name,
                    "its tensors are copied", () -> {
                        long free = Files.getFileStore(dir).getUsableSpace();
                        if (free < (rounded + (long) ShmSegment.DATA) * size) {
                            throw new IOException(dir + " has " + free + " bytes free, " + size + " x " + rounded + " needed");
                        }
                        return ShmSegment.create(dir, name, rank, 0, rounded);
                    });
        } catch (IOException e) {
            throw new AssertionError("this group's own allgather does not throw IOException", e);
        }
        if (segs == null) {
            return null;
        }
        segs[rank].close(); // unlinked already; drops the exit hook (the mapping lives on)
        Shared s = new Shared(this, segs, bytes);
        shared.add(s);
        return s;
    }

    @Override
    public void allreduceShared(SharedBuffer buf, DType type, Reduction op, int[][] owned, double postscale) {
        check();
        if (!(buf instanceof Shared s) || s.comm != this) {
            throw new IllegalArgumentException("not a buffer that this communicator shared: " + buf);
        }
        if (owned.length != size) {
            throw new IllegalArgumentException(owned.length + " rank ranges for " + size + " ranks");
        }
        int es = type.bytes();
        for (int[] ranges : owned) {
            for (int i = 0; i < ranges.length; i += 2) {
                if (ranges[i] < 0 || ranges[i + 1] < 0 || ((long) ranges[i] + ranges[i + 1]) * es > s.bytes) {
                    throw new IllegalArgumentException("range [" + ranges[i] + ", +" + ranges[i + 1] + ") of " + type
                            + " outside the shared buffer of " + s.bytes + " bytes");
                }
            }
        }
        if (size > 1) {
            reduceWhereItLies(s.data, type, op, owned, postscale, fingerprint(9, type.ordinal(), s.bytes));
        } else if (postscale != 1.0) {
            for (int i = 0; i < owned[0].length; i += 2) {
                Reducer.scale(type, s.data[0], owned[0][i] * es, owned[0][i + 1], postscale);
            }
        }
    }

    /** This group's shared buffer: the segments' data regions, each rank's at its index. */
    private static final class Shared implements SharedBuffer {
        final ShmCommunicator comm;
        final ByteBuffer[] data;
        final int bytes;
        private final ByteBuffer mine;

        Shared(ShmCommunicator comm, ShmSegment[] segs, int bytes) {
            this.comm = comm;
            this.bytes = bytes;
            this.data = new ByteBuffer[segs.length];
            for (int j = 0; j < segs.length; j++) {
                data[j] = segs[j].registered();
            }
            this.mine = Bytes.slice(data[comm.rank], 0, bytes);
        }

        @Override
        public ByteBuffer bytes() {
            return mine;
        }

        @Override
        public String toString() {
            return "shm shared buffer of " + bytes + " bytes";
        }
    }

    // ---- the other collectives ---------------------------------------------------------------

    @Override
    public void reducescatter(ByteBuffer send, ByteBuffer recv, DType type, Reduction op, int[] pieces) {
        check();
        Pieces.check(pieces, size);
        int es = type.bytes();
        int[] off = Pieces.offsets(pieces);
        Bytes.copy(send, off[rank] * es, recv, 0, pieces[rank] * es);
        if (size == 1) {
            return;
        }
        long tag = fingerprint(3, type.ordinal(), off[size]);
        int maxPiece = maxPieceBytes(pieces, es);
        for (int start = 0; start < maxPiece; start += block) {
            reduceOwnSubBlock(send, off, pieces, type, op, start, beginRound(tag), recv, start, "reducescatter", false);
        }
    }

    @Override
    public void allgather(ByteBuffer send, ByteBuffer recv, int[] bytesPerRank) {
        check();
        Pieces.check(bytesPerRank, size);
        int[] off = Pieces.offsets(bytesPerRank);
        Bytes.copy(send, 0, recv, off[rank], bytesPerRank[rank]);
        int max = 0;
        for (int n : bytesPerRank) {
            max = Math.max(max, n);
        }
        int slot = own.slotBytes;
        long tag = fingerprint(4, 0, off[size]);
        for (int start = 0; start < max && size > 1; start += slot) {
            long k = beginRound(tag);
            Bytes.copy(send, start, own.slot(k), 0, sub(bytesPerRank[rank], start, slot));
            raise(ShmSegment.IN, k);
            for (int t = 1; t < size; t++) {
                int j = (rank + t) % size;
                awaitIn(seg[j], k, "allgather");
                Bytes.copy(seg[j].slot(k), 0, recv, off[j] + start, sub(bytesPerRank[j], start, slot));
            }
        }
    }

    @Override
    public void broadcast(ByteBuffer buf, int bytes, int root) {
        check();
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException("broadcast root " + root + " outside [0, " + size + ")");
        }
        int slot = own.slotBytes;
        long tag = fingerprint(5, root, bytes);
        for (int start = 0; start < bytes && size > 1; start += slot) {
            int n = Math.min(slot, bytes - start);
            long k = beginRound(tag);
            if (rank == root) {
                Bytes.copy(buf, start, own.slot(k), 0, n);
                raise(ShmSegment.IN, k);
            } else {
                raise(ShmSegment.IN, k);
                awaitIn(seg[root], k, "broadcast");
                Bytes.copy(seg[root].slot(k), 0, buf, start, n);
            }
        }
    }

    @Override
    public void alltoall(ByteBuffer send, int[] sendBytes, ByteBuffer recv, int[] recvBytes) {
        check();
        Pieces.check(sendBytes, size);
        Pieces.check(recvBytes, size);
        int[] so = Pieces.offsets(sendBytes);
        int[] ro = Pieces.offsets(recvBytes);
        Bytes.copy(send, so[rank], recv, ro[rank], sendBytes[rank]);
        if (size == 1) {
            return;
        }
        int localMax = 0;
        for (int j = 0; j < size; j++) {
            localMax = Math.max(localMax, Math.max(sendBytes[j], recvBytes[j]));
        }
        int max = globalMax(localMax);
        for (int start = 0; start < max; start += block) {
            long k = beginRound(fingerprint(6, 0, max));
            ByteBuffer mySlot = own.slot(k);
            for (int j = 0; j < size; j++) {
                if (j != rank) {
                    Bytes.copy(send, so[j] + start, mySlot, j * block, sub(sendBytes[j], start, block));
                }
            }
            raise(ShmSegment.IN, k);
            for (int t = 1; t < size; t++) {
                int j = (rank + t) % size;
                awaitIn(seg[j], k, "alltoall");
                Bytes.copy(seg[j].slot(k), rank * block, recv, ro[j] + start, sub(recvBytes[j], start, block));
            }
        }
    }

    /** The largest of every rank's {@code value} (one round through the slots). */
    private int globalMax(int value) {
        long k = beginRound(fingerprint(7, 0, 4));
        own.slot(k).putInt(0, value);
        raise(ShmSegment.IN, k);
        int max = value;
        for (int j = 0; j < size; j++) {
            if (j != rank) {
                awaitIn(seg[j], k, "alltoall sizes");
                max = Math.max(max, seg[j].slot(k).getInt(0));
            }
        }
        return max;
    }

    @Override
    public void barrier() {
        check();
        if (size > 1) {
            long k = beginRound(fingerprint(8, 0, 0));
            raise(ShmSegment.IN, k);
            awaitAll(ShmSegment.IN, k, "barrier");
        }
    }

    // ---- memory, failure, shutdown ----------------------------------------------------------

    /**
     * This rank's registered region when {@code bytes} fit in it (an allreduce on exactly that
     * buffer takes the zero-copy path); a plain direct buffer otherwise. There is one registered
     * region per communicator: it is handed out once, to the runtime's fusion buffer.
     */
    @Override
    public ByteBuffer allocate(int bytes) {
        return bytes <= own.regBytes ? own.registered() : Bytes.direct(bytes);
    }
    @Override
    public void abort(String reason) {
        if (aborted == null) {
            aborted = reason;
        }
        own.setFlag(ShmSegment.ABORT, 1);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            own.close();
        }
    }

    void checkAlive(ShmSegment peer, String what) {
        check();
        PeerWait.checkPeer(peer, selfPid, what);
    }

    private void check() {
        String a = aborted;
        if (a != null) {
            throw new CommunicatorException("shm communicator aborted: " + a);
        }
    }

    // ---- rounds -------------------------------------------------------------------------------

    /**
     * Starts round {@code k}: waits until every peer has entered round {@code k-1} (so none is
     * still reading what this rank wrote in round {@code k-2}, the slot it may now overwrite), then
     * publishes the fingerprint of the collective for this round's parity.
     */
    private long beginRound(long tag) {
        long k = ++round;
        if (k > 1) {
            for (int t = 1; t < size; t++) {
                waiter.await(seg[(rank + t) % size], ShmSegment.IN, k - 1, "round start");
            }
        }
        roundTag = tag ^ k;
        own.setFlag(ShmSegment.tagOffset(k), roundTag);
        return k;
    }

    private void raise(int flag, long k) {
        own.setFlag(flag, k);
    }

    /** Waits for every peer's flag to reach round {@code k}; for IN also checks their fingerprint. */
    private void awaitAll(int flag, long k, String what) {
        for (int t = 1; t < size; t++) {
            ShmSegment peer = seg[(rank + t) % size];
            if (flag == ShmSegment.IN) {
                awaitIn(peer, k, what);
            } else {
                waiter.await(peer, flag, k, what);
            }
        }
    }

    /** Waits for {@code peer} to publish round {@code k}'s input and checks it runs the same collective. */
    private void awaitIn(ShmSegment peer, long k, String what) {
        waiter.await(peer, ShmSegment.IN, k, what);
        if (peer.flag(ShmSegment.tagOffset(k)) != roundTag) {
            throw new CommunicatorException("shm: local rank " + peer.rank + " runs a different collective than local rank "
                    + rank + " in " + what + " (round " + k + "): the ranks are out of step");
        }
    }

    private static long fingerprint(int kind, int detail, long bytes) {
        return ((long) kind << 56) ^ ((long) detail << 48) ^ (bytes * 0x9E37_79B9_7F4A_7C15L);
    }

    /** Length of the round's sub-block of a piece of {@code pieceBytes} that starts at {@code start}. */
    private int subLength(int pieceBytes, int start) {
        return sub(pieceBytes, start, block);
    }

    private static int sub(int length, int start, int blockBytes) {
        return Math.max(0, Math.min(blockBytes, length - start));
    }
}
