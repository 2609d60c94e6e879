package org.hvd4j.allreduce.net;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A listening socket that authenticates every incoming connection and files it by the
 * (purpose, rank) the peer declared in the {@link Handshake}, until someone {@link #await}s it.
 *
 * <p>One daemon thread accepts; each handshake runs on its own short-lived daemon thread with the
 * handshake timeout, so a client that connects and stays silent delays nobody else and is dropped
 * when its timeout passes. Connections that fail the handshake (wrong secret, another protocol,
 * garbage, silence) are closed, counted in {@link #rejectedCount()} and logged at WARNING with
 * the remote address. If the same (purpose, rank) connects more than once, the sockets queue up
 * and {@link #await} hands them out oldest first.
 *
 * <p>Accepted sockets belong to a blocking {@link SocketChannel} and have TCP_NODELAY set.
 */
public final class PeerListener implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PeerListener.class.getName());
    /** A few hundred ranks may connect at once at start-up; the default backlog of 50 is short. */
    private static final int BACKLOG = 1024;

    private final ServerSocketChannel server;
    private final InetSocketAddress address;
    private final Secret secret;
    private final Duration handshakeTimeout;
    private final ExecutorService handshakes;
    private final Set<Socket> inHandshake = ConcurrentHashMap.newKeySet();
    private final AtomicInteger rejected = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final Map<Handshake.Peer, ArrayDeque<Socket>> filed = new HashMap<>();
    private volatile boolean closed;

    private PeerListener(ServerSocketChannel server, Secret secret, Duration handshakeTimeout)
            throws IOException {
        this.server = server;
        this.address = (InetSocketAddress) server.getLocalAddress();
        this.secret = secret;
        this.handshakeTimeout = handshakeTimeout;
        this.handshakes = Executors.newCachedThreadPool(r -> Sockets.daemon(r, "hvd4j-handshake-"
                + address.getPort()));
    }

    /**
     * Listens on {@code bindAddress:port} ({@code port} 0 picks a free port; a null address
     * listens on all interfaces) and starts accepting.
     */
    public static PeerListener open(InetAddress bindAddress, int port, Secret secret,
            Duration handshakeTimeout) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(bindAddress, port), BACKLOG);
        } catch (IOException e) {
            server.close();
            throw new IOException("could not listen on "
                    + (bindAddress == null ? "*" : bindAddress.getHostAddress()) + ":" + port + ": "
                    + e.getMessage() + " (is the port in use, or the address not of this host?)", e);
        }
        PeerListener listener = new PeerListener(server, secret, handshakeTimeout);
        Sockets.daemon(listener::acceptLoop, "hvd4j-accept-" + listener.port()).start();
        return listener;
    }

    /** The port listened on (the chosen one when opened with port 0). */
    public int port() {
        return address.getPort();
    }

    /** The bound address and port. */
    public InetSocketAddress address() {
        return address;
    }

    /** How many connections failed the handshake so far (rejected, garbage, or silent). */
    public int rejectedCount() {
        return rejected.get();
    }

    /**
     * The socket of {@code peerRank} for {@code purpose}, waiting for it to connect for up to
     * {@code timeout}. The caller owns the returned socket.
     *
     * @throws IOException "rank R did not connect for PURPOSE within T s" on timeout, or if the
     *     listener is closed meanwhile
     */
    public Socket await(String purpose, int peerRank, Duration timeout) throws IOException {
        Handshake.Peer key = new Handshake.Peer(purpose, peerRank);
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    throw new IOException("the listener on " + Sockets.describe(address)
                            + " was closed while waiting for rank " + peerRank + " (" + purpose
                            + ")");
                }
                ArrayDeque<Socket> queue = filed.get(key);
                if (queue != null) {
                    Socket s = queue.poll();
                    if (queue.isEmpty()) {
                        filed.remove(key);
                    }
                    return s;
                }
                if (nanos <= 0) {
                    int bad = rejected.get();
                    throw new IOException("rank " + peerRank + " did not connect for " + purpose
                            + " within " + Sockets.seconds(timeout) + " (listening on "
                            + Sockets.describe(address) + (bad == 0 ? "" : "; " + bad
                            + " connection(s) were rejected, see the warnings logged") + ")");
                }
                nanos = arrived.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for rank " + peerRank
                    + " to connect for " + purpose);
        } finally {
            lock.unlock();
        }
    }

    /** Stops listening and closes every socket not yet handed out by {@link #await}. */
    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        handshakes.shutdownNow();
        List<Socket> toClose = new ArrayList<>(inHandshake);
        lock.lock();
        try {
            filed.values().forEach(toClose::addAll);
            filed.clear();
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        toClose.forEach(Sockets::closeQuietly);
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "accept on " + Sockets.describe(address)
                        + " failed: " + e.getMessage());
                Sockets.pause(); // e.g. out of file descriptors: do not spin
                continue;
            }
            Socket socket = channel.socket();
            inHandshake.add(socket);
            try {
                handshakes.execute(() -> authenticate(socket));
            } catch (RejectedExecutionException e) {
                inHandshake.remove(socket);
                Sockets.closeQuietly(socket);
            }
        }
    }

    private void authenticate(Socket socket) {
        try {
            socket.setTcpNoDelay(true);
            Handshake.Peer peer = Handshake.server(socket, secret, handshakeTimeout);
            file(peer, socket);
        } catch (IOException e) {
            Sockets.closeQuietly(socket);
            if (!closed) {
                rejected.incrementAndGet();
                LOG.log(System.Logger.Level.WARNING, "listener on " + Sockets.describe(address)
                        + " rejected a connection: " + e.getMessage());
            }
        } finally {
            inHandshake.remove(socket);
        }
    }

    private void file(Handshake.Peer peer, Socket socket) {
        lock.lock();
        try {
            if (closed) {
                Sockets.closeQuietly(socket);
                return;
            }
            filed.computeIfAbsent(peer, k -> new ArrayDeque<>()).add(socket);
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
