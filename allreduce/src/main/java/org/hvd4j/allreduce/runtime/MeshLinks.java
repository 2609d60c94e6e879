package org.hvd4j.allreduce.runtime;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.hvd4j.allreduce.net.Dialer;
import org.hvd4j.allreduce.net.PeerListener;
import org.hvd4j.allreduce.net.Secret;
import org.hvd4j.allreduce.ring.PeerChannels;
import org.hvd4j.allreduce.net.Sockets;

/**
 * Direct connections between any two ranks, made on first use: the lower rank dials, the higher
 * one takes the connection from its listener (whose accept thread completes the handshake on its
 * own, so the two sides never wait for each other's main thread).
 */
final class MeshLinks implements PeerChannels {
    private final String purpose;
    private final int rank;
    private final InetSocketAddress[] addresses;
    private final PeerListener listener;
    private final Secret secret;
    private final Duration timeout;
    private final SocketChannel[] channels;

    /**
     * @param purpose   handshake purpose, unique per group of ranks on the same listeners
     * @param rank      this rank's index in {@code addresses}, also the identity it dials with
     * @param addresses every member's listener
     */
    MeshLinks(String purpose, int rank, InetSocketAddress[] addresses, PeerListener listener, Secret secret,
              Duration timeout) {
        this.purpose = purpose;
        this.rank = rank;
        this.addresses = addresses;
        this.listener = listener;
        this.secret = secret;
        this.timeout = timeout;
        this.channels = new SocketChannel[addresses.length];
    }

    @Override
    public synchronized SocketChannel channel(int peer) throws IOException {
        if (channels[peer] == null) {
            Socket s = rank < peer
                    ? Dialer.connect(addresses[peer], secret, purpose, rank, peer, timeout)
                    : listener.await(purpose, peer, timeout);
            channels[peer] = s.getChannel();
        }
        return channels[peer];
    }

    @Override
    public synchronized void close() {
        for (SocketChannel c : channels) {
            if (c != null) {
                Sockets.closeQuietly(c);
            }
        }
    }
}
