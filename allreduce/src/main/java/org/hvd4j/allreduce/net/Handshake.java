package org.hvd4j.allreduce.net;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;

/**
 * The mutual challenge–response that opens every hvd4j connection.
 *
 * <p>Protocol (all integers big-endian; {@code HMAC} is {@link Secret#hmac}, which length-prefixes
 * each part):
 * <ol>
 *   <li>server → client: magic {@code "HVD4J"} (5 ASCII bytes), protocol version (1 byte), a fresh
 *       random 32-byte {@code nonceS};
 *   <li>client → server: magic, version, a fresh random 32-byte {@code nonceC}, the purpose
 *       (unsigned 16-bit length, then at most {@value #MAX_PURPOSE_BYTES} bytes of UTF-8), the
 *       client's rank (int), and {@code macC = HMAC(key, "client", nonceS, nonceC, purpose,
 *       rank)};
 *   <li>server → client: status {@code OK} (0) followed by {@code macS = HMAC(key, "server",
 *       nonceC, nonceS)}, or status {@code REJECTED} (1) followed by a reason (unsigned 16-bit
 *       length, then UTF-8); after REJECTED the server closes the connection.
 * </ol>
 * The server proves the client (its nonce makes a replayed {@code macC} useless), the client
 * proves the server through {@code macS} (its own nonce makes that fresh), and the labels
 * {@code "client"}/{@code "server"} stop a MAC of one direction from being reflected as the other.
 * MACs are compared in constant time. A peer that speaks another protocol version is told so and
 * reported with both versions; a peer that does not send the magic at all is reported with the
 * bytes it sent.
 *
 * <p>Each side reads exactly the bytes defined above and nothing more (no buffered stream), so the
 * caller can go on using the socket, also through its channel. While the handshake runs the
 * socket's read timeout is the given timeout; the previous value (normally 0) is restored
 * afterwards. On any failure the socket is closed.
 */
public final class Handshake {
    /** The handshake's protocol version; bump it on any change of the bytes above. */
    public static final int VERSION = 1;
    /** Longest purpose, in UTF-8 bytes. */
    public static final int MAX_PURPOSE_BYTES = 256;

    static final byte[] MAGIC = "HVD4J".getBytes(StandardCharsets.US_ASCII);
    static final int NONCE_BYTES = 32;
    static final int OK = 0;
    static final int REJECTED = 1;
    private static final int MAX_REASON_BYTES = 1024;
    private static final byte[] CLIENT = "client".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER = "server".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Who connected, as the client declared it (and proved with the secret). */
    public record Peer(String purpose, int rank) {}

    private Handshake() {}

    /**
     * Runs the client side on a freshly connected socket: afterwards the server has proved that
     * it knows {@code secret} and knows this side as ({@code purpose}, {@code localRank}).
     *
     * @throws AuthenticationException if the server rejected our MAC or failed to prove its own
     * @throws IOException on a protocol mismatch, a timeout or a lost connection (the message
     *     names the server's address and the phase); the socket is closed
     */
    public static void client(Socket socket, Secret secret, String purpose, int localRank,
            Duration timeout) throws IOException {
        byte[] purposeBytes = purpose.getBytes(StandardCharsets.UTF_8);
        if (purposeBytes.length > MAX_PURPOSE_BYTES) {
            throw new IllegalArgumentException("purpose '" + purpose + "' is " + purposeBytes.length
                    + " bytes of UTF-8; the handshake allows at most " + MAX_PURPOSE_BYTES);
        }
        new Exchange(socket, timeout).run(x -> {
            String server = x.remote();
            x.phase = "waiting for the server hello";
            byte[] nonceS = x.readHello("the hvd4j peer at " + server, true);
            byte[] nonceC = nonce();
            byte[] rank = ByteBuffer.allocate(4).putInt(localRank).array();
            byte[] macC = secret.hmac(CLIENT, nonceS, nonceC, purposeBytes, rank);
            ByteArrayOutputStream hello = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(hello);
            writeMagicAndVersion(out, VERSION);
            out.write(nonceC);
            out.writeShort(purposeBytes.length);
            out.write(purposeBytes);
            out.writeInt(localRank);
            out.write(macC);
            x.phase = "sending the client hello";
            x.send(hello.toByteArray());

            x.phase = "waiting for the server's verdict";
            int status = x.in.readUnsignedByte();
            if (status == REJECTED) {
                String reason = x.readReason();
                throw new AuthenticationException("rank " + localRank + ": the hvd4j peer at "
                        + server + " rejected the connection for '" + purpose + "': " + reason
                        + "; check that HVD4J_SECRET is the same on both sides and that both"
                        + " belong to the same job");
            }
            if (status != OK) {
                throw new IOException("the hvd4j peer at " + server + " answered the handshake"
                        + " with unknown status " + status + ": is it the same hvd4j version?");
            }
            byte[] macS = x.readBytes(NONCE_BYTES);
            if (!MessageDigest.isEqual(macS, secret.hmac(SERVER, nonceC, nonceS))) {
                throw new AuthenticationException("rank " + localRank + ": the peer at " + server
                        + " accepted the connection for '" + purpose + "' but could not prove that"
                        + " it knows the job secret: it is not part of this job (check"
                        + " HVD4J_SECRET and the address, and that both sides belong to the same"
                        + " job)");
            }
            return null;
        });
    }

    /**
     * Runs the server side on a freshly accepted socket and returns who connected.
     *
     * @throws AuthenticationException if the client's MAC is wrong (it was told so)
     * @throws IOException on a protocol mismatch, garbage instead of the magic, a timeout or a lost
     *     connection (the message names the client's address and the phase); the socket is closed
     */
    public static Peer server(Socket socket, Secret secret, Duration timeout) throws IOException {
        return new Exchange(socket, timeout).run(x -> {
            String client = x.remote();
            byte[] nonceS = nonce();
            ByteArrayOutputStream hello = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(hello);
            writeMagicAndVersion(out, VERSION);
            out.write(nonceS);
            x.phase = "sending the server hello";
            x.send(hello.toByteArray());

            x.phase = "waiting for the client hello";
            byte[] nonceC = x.readHello("the connection from " + client, false);
            int purposeLength = x.in.readUnsignedShort();
            if (purposeLength > MAX_PURPOSE_BYTES) {
                throw x.reject("connection from " + client + " declares a purpose of "
                        + purposeLength + " bytes; at most " + MAX_PURPOSE_BYTES + " are allowed",
                        "purpose too long");
            }
            byte[] purposeBytes = x.readBytes(purposeLength);
            int rank = x.in.readInt();
            byte[] macC = x.readBytes(NONCE_BYTES);
            byte[] rankBytes = ByteBuffer.allocate(4).putInt(rank).array();
            String purpose = new String(purposeBytes, StandardCharsets.UTF_8);
            if (!MessageDigest.isEqual(macC,
                    secret.hmac(CLIENT, nonceS, nonceC, purposeBytes, rankBytes))) {
                throw x.rejectAuth("connection from " + client + " (claiming rank " + rank
                        + ", purpose '" + purpose + "') does not know the job secret: it belongs"
                        + " to another job or was started with another HVD4J_SECRET",
                        "authentication failed: the job secret does not match");
            }
            ByteArrayOutputStream verdict = new ByteArrayOutputStream(1 + NONCE_BYTES);
            verdict.write(OK);
            verdict.write(secret.hmac(SERVER, nonceC, nonceS));
            x.phase = "sending the server's verdict";
            x.send(verdict.toByteArray());
            return new Peer(purpose, rank);
        });
    }

    static void writeMagicAndVersion(DataOutputStream out, int version) throws IOException {
        out.write(MAGIC);
        out.writeByte(version);
    }

    private static byte[] nonce() {
        byte[] n = new byte[NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }

    static int maxReasonBytes() {
        return MAX_REASON_BYTES;
    }

    /** Signals that the socket timed out in a named phase, for the message. */
    static SocketTimeoutException timedOut(String remote, String phase, Duration timeout,
            SocketTimeoutException cause) {
        SocketTimeoutException e = new SocketTimeoutException("handshake with " + remote
                + " timed out after " + Sockets.seconds(timeout) + " while " + phase);
        e.initCause(cause);
        return e;
    }

    static EOFException closed(String remote, String phase, EOFException cause) {
        EOFException e = new EOFException(remote + " closed the connection during the handshake,"
                + " while " + phase);
        e.initCause(cause);
        return e;
    }
}
