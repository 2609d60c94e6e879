package org.hvd4j.allreduce.rendezvous;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hvd4j.allreduce.net.AuthenticationException;
import org.hvd4j.allreduce.net.Dialer;
import org.hvd4j.allreduce.net.Frames;
import org.hvd4j.allreduce.net.PeerUnreachableException;
import org.hvd4j.allreduce.net.Secret;
import org.hvd4j.allreduce.net.Sockets;

/**
 * A rank's connection to the {@link RendezvousServer}. Thread-safe: requests are serialised (one
 * in flight per client), so a blocking {@link #get} holds up other threads of the same client.
 *
 * <p>If the server goes away, the pending and every later request fail with "lost the
 * rendezvous server at host:port". A reply that does not come within the server-side wait plus
 * 30 s (a hung server, a dead host) counts as lost too.
 */
public final class RendezvousClient implements AutoCloseable {
    private static final int REPLY_GRACE_SECONDS = 30;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final String server;
    private final int rank;
    private IOException broken;
    private volatile boolean closed;

    private RendezvousClient(Socket socket, String server, int rank) throws IOException {
        this.socket = socket;
        this.server = server;
        this.rank = rank;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
    }

    /**
     * Connects to the server as {@code rank}, retrying until {@code timeout} while it is not up.
     *
     * @throws AuthenticationException if the server does not accept the secret (or cannot prove
     *     its own)
     * @throws IOException "could not reach the rendezvous server at host:port within T s ...", or
     *     a handshake failure naming the address (another protocol version, a silent port)
     */
    public static RendezvousClient connect(InetSocketAddress server, Secret secret, int rank,
            Duration timeout) throws IOException {
        String where = server.getHostString() + ":" + server.getPort();
        Socket s;
        try {
            s = Dialer.connect(server, secret, Protocol.PURPOSE, rank, -1, timeout);
        } catch (PeerUnreachableException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IOException("rank " + rank + ": could not reach the rendezvous server at "
                    + where + " within " + Sockets.seconds(timeout) + " (is hvdrun running? is"
                    + " HVD4J_RENDEZVOUS right?): " + cause.getMessage(), e);
        }
        return new RendezvousClient(s, where, rank);
    }

    /**
     * The local address of the connection to the server: the address of this host on the network
     * that reaches the server, which a rank advertises to its peers unless told otherwise.
     */
    public InetAddress localAddress() {
        return socket.getLocalAddress();
    }

    /** Sets {@code key} to {@code value} (overwriting), waking every rank waiting for it. */
    public synchronized void put(String key, byte[] value) throws IOException {
        call(Protocol.PUT, key, o -> Protocol.writeBytes(o, value), 0);
    }

    /** {@link #put} of the UTF-8 bytes of {@code value}. */
    public void putString(String key, String value) throws IOException {
        put(key, value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The value of {@code key}, waiting on the server until some rank puts it.
     *
     * @throws RendezvousTimeoutException "rank R: key 'K' did not appear within T s"
     */
    public synchronized byte[] get(String key, Duration timeout) throws IOException {
        long ms = Protocol.millis(timeout);
        Reply r = call(Protocol.GET, key, o -> o.writeLong(ms), ms);
        if (r.status == Protocol.NOT_FOUND) {
            throw new RendezvousTimeoutException(key, "rank " + rank + ": key '" + key
                    + "' did not appear within " + Sockets.seconds(timeout));
        }
        return r.body;
    }

    /** {@link #get} decoded as UTF-8. */
    public String getString(String key, Duration timeout) throws IOException {
        return new String(get(key, timeout), StandardCharsets.UTF_8);
    }

    /** Atomically adds {@code delta} to the counter {@code key} (created at 0); the new value. */
    public synchronized long add(String key, long delta) throws IOException {
        return call(Protocol.ADD, key, o -> o.writeLong(delta), 0).data().readLong();
    }

    /**
     * Waits until the counter {@code key} is at least {@code target}: with every rank first
     * calling {@code add(key, 1)}, a barrier of {@code target} ranks.
     *
     * @throws RendezvousTimeoutException naming the key, the count reached and the target
     */
    public synchronized void waitCount(String key, long target, Duration timeout)
            throws IOException {
        long ms = Protocol.millis(timeout);
        Reply r = call(Protocol.WAIT_COUNT, key, o -> {
            o.writeLong(target);
            o.writeLong(ms);
        }, ms);
        if (r.status == Protocol.NOT_FOUND) {
            long reached = r.data().readLong();
            throw new RendezvousTimeoutException(key, "rank " + rank + ": counter '" + key
                    + "' reached " + reached + " of " + target + " within "
                    + Sockets.seconds(timeout));
        }
    }

    /** Removes {@code key} (nothing happens if it is absent). */
    public synchronized void delete(String key) throws IOException {
        call(Protocol.DELETE, key, o -> { }, 0);
    }

    /** The keys that start with {@code prefix}, sorted. */
    public synchronized List<String> keys(String prefix) throws IOException {
        DataInputStream d = call(Protocol.KEYS, prefix, o -> { }, 0).data();
        int n = d.readInt();
        List<String> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keys.add(Protocol.readString(d, Protocol.MAX_REPLY_BYTES, "key"));
        }
        return keys;
    }

    /** Closes the connection; a request blocked in another thread fails. */
    @Override
    public void close() throws IOException {
        closed = true;
        socket.close();
    }

    private interface Fields {
        void write(DataOutputStream out) throws IOException;
    }

    private record Reply(int status, byte[] body) {
        DataInputStream data() {
            return new DataInputStream(new ByteArrayInputStream(body));
        }
    }

    /** One request and its reply; {@code waitMillis} is how long the server may block on it. */
    private Reply call(int op, String key, Fields fields, long waitMillis) throws IOException {
        if (closed) {
            throw new IOException("rank " + rank + ": this rendezvous client (to " + server
                    + ") is closed");
        }
        if (broken != null) {
            throw new IOException("rank " + rank + ": lost the rendezvous server at " + server
                    + " (an earlier request failed: " + broken.getMessage() + ")", broken);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream req = new DataOutputStream(bytes);
        req.writeByte(op);
        Protocol.writeString(req, key);
        fields.write(req);
        byte[] reply;
        long limit = Math.min(Integer.MAX_VALUE, waitMillis + REPLY_GRACE_SECONDS * 1000L);
        try {
            socket.setSoTimeout((int) limit);
            Frames.write(out, bytes.toByteArray());
            reply = Frames.read(in, Protocol.MAX_REPLY_BYTES);
        } catch (SocketTimeoutException e) {
            throw lost(e, "no answer to " + Protocol.opName(op) + " '" + key + "' within "
                    + limit / 1000 + " s");
        } catch (IOException e) {
            throw lost(e, Protocol.opName(op) + " '" + key + "': " + e.getMessage());
        }
        if (reply.length == 0) {
            throw lost(new IOException("empty reply"), "empty reply to " + Protocol.opName(op));
        }
        byte[] body = Arrays.copyOfRange(reply, 1, reply.length);
        if (reply[0] == Protocol.ERROR) {
            throw new RendezvousException("rank " + rank + ": the rendezvous server at " + server
                    + " refused " + Protocol.opName(op) + " '" + key + "': "
                    + new String(body, StandardCharsets.UTF_8));
        }
        if (reply[0] != Protocol.OK && reply[0] != Protocol.NOT_FOUND) {
            throw lost(new IOException("status " + reply[0]), "unknown reply status " + reply[0]
                    + " to " + Protocol.opName(op) + ": is the server the same hvd4j version?");
        }
        return new Reply(reply[0], body);
    }

    private IOException lost(IOException cause, String detail) {
        broken = cause;
        try {
            socket.close();
        } catch (IOException ignored) {
            // Already unusable; the exception below says why.
        }
        return new IOException("rank " + rank + ": lost the rendezvous server at " + server
                + " (" + detail + ")", cause);
    }
}
