package org.hvd4j.allreduce.ring;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.hvd4j.allreduce.comm.Bytes;
import org.hvd4j.allreduce.comm.CommunicatorException;
import org.hvd4j.allreduce.comm.HierarchicalCommunicator;
import org.hvd4j.allreduce.comm.Pieces;

/**
 * Alltoall by pairwise exchange over direct connections: at step {@code s = 1..N-1} rank
 * {@code r} sends its block for {@code r+s} and receives the block of {@code r-s}. Sends are
 * queued on a sender thread and every rank walks the steps in order, so no pair can block each
 * other; each rank sends and receives exactly its own data once.
 */
public final class PairwiseAlltoall implements HierarchicalCommunicator.Alltoall {
    private final int rank;
    private final int size;
    private final PeerChannels mesh;
    private final ChannelSender sender;

    public PairwiseAlltoall(int rank, int size, PeerChannels mesh) {
        this.rank = rank;
        this.size = size;
        this.mesh = mesh;
        this.sender = new ChannelSender("hvd4j-alltoall-send-" + rank);
    }

    /** See {@link org.hvd4j.allreduce.comm.Communicator#alltoall}. */
    @Override
    public void run(ByteBuffer send, int[] sendBytes, ByteBuffer recv, int[] recvBytes) {
        Pieces.check(sendBytes, size);
        Pieces.check(recvBytes, size);
        int[] so = Pieces.offsets(sendBytes);
        int[] ro = Pieces.offsets(recvBytes);
        Bytes.copy(send, so[rank], recv, ro[rank], sendBytes[rank]);
        int step = 0;
        try {
            SocketChannel[] peers = new SocketChannel[size];
            for (int j = 0; j < size; j++) {
                if (j != rank) {
                    peers[j] = mesh.channel(j);
                }
            }
            for (step = 1; step < size; step++) {
                int dst = Math.floorMod(rank + step, size);
                int src = Math.floorMod(rank - step, size);
                sender.send(peers[dst], send, so[dst], sendBytes[dst]);
                ByteBuffer in = recv.slice(ro[src], recvBytes[src]);
                while (in.hasRemaining()) {
                    if (peers[src].read(in) < 0) {
                        throw new EOFException("rank " + src + " closed its connection");
                    }
                }
            }
            sender.flush();
        } catch (IOException e) {
            throw new CommunicatorException("alltoall, rank " + rank + ", step " + step + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        sender.close();
        mesh.close();
    }
}
