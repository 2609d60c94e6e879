package org.hvd4j.allreduce.rendezvous;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.hvd4j.allreduce.net.Handshake;
import org.hvd4j.allreduce.net.Secret;
import org.hvd4j.allreduce.net.Sockets;

/**
 * The job's key–value store, hosted by the launcher: every rank connects at start-up to publish
 * and fetch addresses, host information and small blobs (see the package documentation for the
 * operations and their encoding).
 *
 * <p>One daemon thread accepts, and one daemon thread per connection runs the {@link Handshake}
 * (purpose {@code "rendezvous"}) and then serves that client's requests; a job has at most a few
 * hundred ranks, so a thread per rank is simpler than a selector and costs little. Clients that
 * fail the handshake are closed, counted ({@link #rejectedClients()}) and logged at WARNING.
 * The launcher can read and write the same store directly ({@link #get}, {@link #put},
 * {@link #keys}).
 */
public final class RendezvousServer implements AutoCloseable {
    /** Longest key (and KEYS prefix), in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = Protocol.MAX_KEY_BYTES;
    /** Longest value, in bytes. */
    public static final int MAX_VALUE_BYTES = Protocol.MAX_VALUE_BYTES;

    private static final System.Logger LOG = System.getLogger(RendezvousServer.class.getName());
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** Every rank connects at about the same moment; the default backlog of 50 is too short. */
    private static final int BACKLOG = 1024;

    private final ServerSocket server;
    private final Secret secret;
    private final Store store = new Store();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connected = new AtomicInteger();
    private final AtomicInteger rejected = new AtomicInteger();
    private volatile boolean closed;

    private RendezvousServer(ServerSocket server, Secret secret) {
        this.server = server;
        this.secret = secret;
    }

    /**
     * Listens on {@code bind:port} ({@code port} 0 picks a free port; a null {@code bind} listens
     * on all interfaces) and starts serving.
     */
    public static RendezvousServer start(InetAddress bind, int port, Secret secret)
            throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            socket.bind(new InetSocketAddress(bind, port), BACKLOG);
        } catch (IOException e) {
            socket.close();
            throw new IOException("could not start the rendezvous server on "
                    + (bind == null ? "*" : bind.getHostAddress()) + ":" + port + ": "
                    + e.getMessage() + " (is the port in use?)", e);
        }
        RendezvousServer s = new RendezvousServer(socket, secret);
        Sockets.daemon(s::acceptLoop, "hvd4j-rendezvous-accept-" + s.port()).start();
        return s;
    }

    /** The port listened on. */
    public int port() {
        return server.getLocalPort();
    }

    /** The bound address and port. */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** The value of {@code key} now (a copy), without waiting. */
    public Optional<byte[]> get(String key) {
        return store.get(key).map(byte[]::clone);
    }

    /** Sets {@code key} to (a copy of) {@code value}, waking every client waiting for it. */
    public void put(String key, byte[] value) {
        if (key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_KEY_BYTES
                || value.length > MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("key '" + key + "' or its value of "
                    + value.length + " bytes is over the rendezvous limits (" + MAX_KEY_BYTES
                    + " bytes per key, " + Protocol.size(MAX_VALUE_BYTES) + " per value)");
        }
        store.put(key, value.clone());
    }

    /** The keys that start with {@code prefix}, sorted. */
    public Set<String> keys(String prefix) {
        return store.keys(prefix);
    }

    /** How many authenticated clients are connected now. */
    public int connectedClients() {
        return connected.get();
    }

    /** How many connections failed the handshake (or came for another purpose) so far. */
    public int rejectedClients() {
        return rejected.get();
    }

    /** Stops serving: every connected client's pending and next request fails. */
    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : sockets) {
            Sockets.closeQuietly(s);
        }
        store.close();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "rendezvous server on port " + port()
                        + ": accept failed: " + e.getMessage());
                Sockets.pause(); // e.g. out of file descriptors: do not spin
                continue;
            }
            sockets.add(s);
            if (closed) {
                Sockets.closeQuietly(s); // close() may have run between accept and add
            }
            Sockets.daemon(() -> session(s), "hvd4j-rendezvous-" + Sockets.describe(s.getRemoteSocketAddress()))
                    .start();
        }
    }

    private void session(Socket s) {
        String remote = Sockets.describe(s.getRemoteSocketAddress());
        try {
            s.setTcpNoDelay(true);
            Handshake.Peer peer;
            try {
                peer = Handshake.server(s, secret, HANDSHAKE_TIMEOUT);
            } catch (IOException e) {
                reject("rendezvous server rejected a client: " + e.getMessage());
                return;
            }
            if (!Protocol.PURPOSE.equals(peer.purpose())) {
                reject("rank " + peer.rank() + " at " + remote + " connected to the rendezvous"
                        + " port for '" + peer.purpose() + "': it is pointed at the wrong port");
                return;
            }
            connected.incrementAndGet();
            try {
                new ClientSession(s, store, peer.rank()).serve();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "lost rank " + peer.rank() + " at "
                            + remote + ": " + e.getMessage());
                }
            } finally {
                connected.decrementAndGet();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "client " + remote + ": " + e.getMessage());
        } finally {
            sockets.remove(s);
            Sockets.closeQuietly(s);
        }
    }

    private void reject(String message) {
        if (!closed) {
            rejected.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, message);
        }
    }
}
