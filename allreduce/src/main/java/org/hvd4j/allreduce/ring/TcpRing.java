package org.hvd4j.allreduce.ring;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.allreduce.comm.Bytes;
import org.hvd4j.allreduce.comm.Communicator;
import org.hvd4j.allreduce.comm.CommunicatorException;
import org.hvd4j.allreduce.comm.Pieces;
import org.hvd4j.allreduce.comm.Reducer;
import org.hvd4j.tensor.DType;
import org.hvd4j.allreduce.net.Sockets;

/**
 * Collectives over a ring of TCP connections: rank {@code r} sends to {@code r+1} and receives
 * from {@code r-1}.
 *
 * <p><b>Allreduce</b> is bandwidth-optimal reduce-scatter then allgather, {@code 2(N-1)} steps in
 * which every rank sends and receives one piece, {@code 2(N-1)/N} of the buffer in all. At step
 * {@code t} rank {@code r} receives piece {@code (r-t-1) mod N} (reducing it into its own copy in
 * the first {@code N-1} steps, storing it in the rest) and sends the piece it received at step
 * {@code t-1}. Piece {@code k}'s partial result starts at rank {@code k} and travels the ring,
 * so its value depends on {@code k} only, as {@link Communicator} requires.
 *
 * <p><b>Pipelining.</b> Pieces move in blocks of {@code blockBytes}: a block is forwarded as soon
 * as it has been received and reduced, while a separate sender thread writes, so sending,
 * receiving and reducing overlap within a step and across steps.
 *
 * <p><b>Checks.</b> Every collective starts with a 16-byte header (kind, sequence number, size)
 * sent to the right neighbour and checked from the left one, so ranks that are out of step fail
 * with a message instead of reducing unrelated data.
 */
public final class TcpRing implements Communicator {
    private static final int MAGIC = 0x4856_4452; // "HVDR"
    private static final int HEADER = 16;

    private final int rank;
    private final int size;
    private final SocketChannel right;
    private final SocketChannel left;
    private final PairwiseAlltoall alltoall;
    private final String leftName;
    private final int blockBytes;
    private final ChannelSender sender;
    private final ByteBuffer staging;
    private final ByteBuffer headerOut = Bytes.direct(HEADER);
    private final ByteBuffer headerIn = Bytes.direct(HEADER);
    private final ByteBuffer barrierBuf;
    private final int[] barrierPieces;
    private volatile String aborted;
    private int seq;

    /**
     * @param right      connection to rank {@code (rank+1) mod size}, written only
     * @param left       connection from rank {@code (rank-1) mod size}, read only
     * @param mesh       direct connections for alltoall
     * @param leftName   how to name the left neighbour in errors ("rank 3 (hostB:4711)")
     * @param blockBytes pipelining granularity, a multiple of 64
     */
    public TcpRing(int rank, int size, SocketChannel right, SocketChannel left, PeerChannels mesh, String leftName,
                   int blockBytes) {
        if (size < 2) {
            throw new IllegalArgumentException("a TCP ring needs at least 2 ranks; use SoloCommunicator for 1");
        }
        if (blockBytes < 64 || blockBytes % 64 != 0) {
            throw new IllegalArgumentException("block size must be a positive multiple of 64, got " + blockBytes);
        }
        this.rank = rank;
        this.size = size;
        this.right = right;
        this.left = left;
        this.alltoall = new PairwiseAlltoall(rank, size, mesh);
        this.leftName = leftName;
        this.blockBytes = blockBytes;
        this.sender = new ChannelSender("hvd4j-tcp-send-" + rank);
        this.staging = Bytes.direct(blockBytes);
        this.barrierBuf = Bytes.direct(4 * size);
        this.barrierPieces = new int[size];
        Arrays.fill(barrierPieces, 1);
    }

    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void allreduce(ByteBuffer buf, DType type, Reduction op, int[] pieces) {
        Pieces.check(pieces, size);
        int[] off = scaled(Pieces.offsets(pieces), type.bytes());
        run("allreduce", 1, off[size], () -> {
            ringSteps(buf, off, rank, 2 * (size - 1), size - 1, type, op);
            return null;
        });
    }

    @Override
    public void reducescatter(ByteBuffer send, ByteBuffer recv, DType type, Reduction op, int[] pieces) {
        Pieces.check(pieces, size);
        int[] off = scaled(Pieces.offsets(pieces), type.bytes());
        run("reducescatter", 2, off[size], () -> {
            // shifted by one so that rank r ends with piece r: receive (r - t - 2) at step t
            ringSteps(send, off, mod(rank - 1), size - 1, size - 1, type, op);
            return null;
        });
        Bytes.copy(send, off[rank], recv, 0, off[rank + 1] - off[rank]);
    }

    @Override
    public void allgather(ByteBuffer send, ByteBuffer recv, int[] bytesPerRank) {
        Pieces.check(bytesPerRank, size);
        int[] off = Pieces.offsets(bytesPerRank);
        Bytes.copy(send, 0, recv, off[rank], bytesPerRank[rank]);
        run("allgather", 3, off[size], () -> {
            ringSteps(recv, off, rank, size - 1, 0, null, null);
            return null;
        });
    }

    @Override
    public void broadcast(ByteBuffer buf, int bytes, int root) {
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException("broadcast root " + root + " outside [0, " + size + ")");
        }
        run("broadcast", 4 + (root << 8), bytes, () -> {
            int position = mod(rank - root);
            for (int start = 0; start < bytes; start += blockBytes) {
                int n = Math.min(blockBytes, bytes - start);
                if (position != 0) {
                    readFully(buf, start, n);
                }
                if (position != size - 1) {
                    sender.send(right, buf, start, n);
                }
            }
            return null;
        });
    }

    @Override
    public void alltoall(ByteBuffer send, int[] sendBytes, ByteBuffer recv, int[] recvBytes) {
        check();
        try {
            alltoall.run(send, sendBytes, recv, recvBytes);
        } catch (CommunicatorException e) {
            abort(e.getMessage());
            throw e;
        }
    }

    @Override
    public void barrier() {
        // an allreduce cannot finish on any rank before every rank has contributed its piece
        allreduce(barrierBuf, DType.INT32, Reduction.SUM, barrierPieces);
    }

    @Override
    public ByteBuffer allocate(int bytes) {
        return Bytes.direct(bytes);
    }

    @Override
    public void abort(String reason) {
        if (aborted == null) {
            aborted = reason;
        }
        closeChannels();
    }

    @Override
    public void close() {
        abort("closed");
        sender.close();
        alltoall.close();
    }

    // ---- the ring engine ---------------------------------------------------------------------

    /**
     * {@code steps} ring steps over the pieces {@code [off[k], off[k+1])} of {@code buf} (byte
     * offsets): first send piece {@code firstSend}, then at step {@code t} receive piece
     * {@code firstSend - t - 1}; the first {@code reduceSteps} steps reduce
     * what arrives into {@code buf}, the others store it. What was received at step {@code t} is
     * forwarded at step {@code t+1}, block by block, as soon as it is ready.
     *
     * <p>Overwriting a piece while the sender may still be writing it is safe: the value that
     * overwrites a block can only arrive after the neighbours received this rank's earlier copy
     * of the same block (it is computed from it), so that write has completed.
     */
    private void ringSteps(ByteBuffer buf, int[] off, int firstSend, int steps, int reduceSteps, DType type,
                           Reduction op) throws IOException {
        sendPiece(buf, off, firstSend);
        for (int t = 0; t < steps; t++) {
            int k = mod(firstSend - t - 1);
            boolean reduce = t < reduceSteps;
            boolean forward = t + 1 < steps;
            for (int start = off[k]; start < off[k + 1]; start += blockBytes) {
                int n = Math.min(blockBytes, off[k + 1] - start);
                if (reduce) {
                    readFully(staging, 0, n);
                    Reducer.reduce(op, type, buf, start, staging, 0, n / type.bytes());
                } else {
                    readFully(buf, start, n);
                }
                if (forward) {
                    sender.send(right, buf, start, n);
                }
            }
        }
    }

    private void sendPiece(ByteBuffer buf, int[] off, int k) throws IOException {
        for (int start = off[k]; start < off[k + 1]; start += blockBytes) {
            sender.send(right, buf, start, Math.min(blockBytes, off[k + 1] - start));
        }
    }

    private interface Body {
        Void run() throws IOException;
    }

    /** Header exchange, the body, then waiting for our sends; any I/O failure aborts the ring. */
    private void run(String what, int kind, int bytes, Body body) {
        check();
        int mySeq = ++seq;
        try {
            headerOut.clear();
            headerOut.putInt(0, MAGIC).putInt(4, kind).putInt(8, mySeq).putInt(12, bytes);
            sender.send(right, headerOut, 0, HEADER);
            readFully(headerIn, 0, HEADER);
            if (headerIn.getInt(0) != MAGIC || headerIn.getInt(4) != kind || headerIn.getInt(8) != mySeq
                    || headerIn.getInt(12) != bytes) {
                throw new CommunicatorException("tcp ring: " + leftName + " is out of step with rank " + rank + ": it sent "
                        + describe(headerIn) + " while rank " + rank + " runs " + what + " #" + mySeq + " of " + bytes
                        + " bytes");
            }
            body.run();
            sender.flush();
        } catch (IOException e) {
            String reason = aborted != null ? aborted
                    : "lost the connection to " + leftName + " or to rank " + mod(rank + 1) + " during " + what + ": " + e;
            abort(reason);
            throw new CommunicatorException("tcp ring, rank " + rank + ": " + reason, e);
        } catch (CommunicatorException e) {
            abort(e.getMessage());
            throw e;
        }
    }

    private static String describe(ByteBuffer h) {
        if (h.getInt(0) != MAGIC) {
            return "bytes that are not a ring header";
        }
        return "collective kind " + (h.getInt(4) & 0xff) + " #" + h.getInt(8) + " of " + h.getInt(12) + " bytes";
    }

    private void readFully(ByteBuffer buf, int pos, int n) throws IOException {
        ByteBuffer dst = buf.slice(pos, n);
        while (dst.hasRemaining()) {
            if (left.read(dst) < 0) {
                throw new EOFException(leftName + " closed the connection");
            }
        }
    }

    private void check() {
        String a = aborted;
        if (a != null) {
            throw new CommunicatorException("tcp ring aborted: " + a);
        }
    }

    private void closeChannels() {
        Sockets.closeQuietly(right);
        Sockets.closeQuietly(left);
    }

    private int mod(int x) {
        return Math.floorMod(x, size);
    }

    private static int[] scaled(int[] offsets, int factor) {
        int[] o = new int[offsets.length];
        for (int i = 0; i < o.length; i++) {
            o[i] = Math.multiplyExact(offsets[i], factor);
        }
        return o;
    }
}
