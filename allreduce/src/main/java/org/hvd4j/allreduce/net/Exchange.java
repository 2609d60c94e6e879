package org.hvd4j.allreduce.net;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * One run of {@link Handshake} on one socket: the unbuffered streams, the phase (for messages),
 * the read timeout, and closing the socket on failure.
 */
final class Exchange {
    interface Body<T> {
        T apply(Exchange x) throws IOException;
    }

    final DataInputStream in;
    private final OutputStream out;
    private final Socket socket;
    private final Duration timeout;
    String phase = "starting";

    Exchange(Socket socket, Duration timeout) throws IOException {
        this.socket = socket;
        this.timeout = timeout;
        // Raw socket streams: DataInputStream reads exactly what it is asked for, no read-ahead.
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    <T> T run(Body<T> body) throws IOException {
        int previous = socket.getSoTimeout();
        boolean ok = false;
        try {
            socket.setSoTimeout(Sockets.soTimeoutMillis(timeout));
            T result = body.apply(this);
            socket.setSoTimeout(previous);
            ok = true;
            return result;
        } catch (SocketTimeoutException e) {
            throw Handshake.timedOut(remote(), phase, timeout, e);
        } catch (EOFException e) {
            throw Handshake.closed(remote(), phase, e);
        } catch (SocketException e) {
            throw new IOException("handshake with " + remote() + " failed while " + phase + ": "
                    + e.getMessage(), e);
        } finally {
            if (!ok) {
                closeQuietly();
            }
        }
    }

    String remote() {
        return Sockets.describe(socket.getRemoteSocketAddress());
    }

    /** One write per message: fewer packets, and the peer never sees half a message. */
    void send(byte[] message) throws IOException {
        out.write(message);
        out.flush();
    }

    byte[] readBytes(int n) throws IOException {
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    /**
     * Reads magic, version and nonce. On the client side a version mismatch is answered with our
     * own magic and version, so that the server can report the mismatch too.
     */
    byte[] readHello(String who, boolean clientSide) throws IOException {
        byte[] head = readBytes(Handshake.MAGIC.length + 1);
        if (!Arrays.equals(head, 0, Handshake.MAGIC.length, Handshake.MAGIC, 0,
                Handshake.MAGIC.length)) {
            String what = who + " is not an hvd4j " + (clientSide ? "endpoint" : "peer")
                    + ": expected the magic \"HVD4J\" and a version byte, got " + printable(head);
            if (clientSide) {
                throw new IOException(what + " (is the address right?)");
            }
            throw reject(what, "not an hvd4j handshake");
        }
        int version = head[Handshake.MAGIC.length] & 0xff;
        if (version != Handshake.VERSION) {
            String what = who + " speaks hvd4j handshake protocol version " + version
                    + ", this process speaks version " + Handshake.VERSION
                    + ": run the same hvd4j version on every host of the job";
            if (clientSide) {
                ByteArrayOutputStream own = new ByteArrayOutputStream();
                Handshake.writeMagicAndVersion(new DataOutputStream(own), Handshake.VERSION);
                sendQuietly(own.toByteArray());
                throw new IOException(what);
            }
            throw reject(what, "protocol version mismatch: the server speaks version "
                    + Handshake.VERSION + ", the client version " + version);
        }
        return readBytes(Handshake.NONCE_BYTES);
    }

    String readReason() throws IOException {
        int n = in.readUnsignedShort();
        if (n > Handshake.maxReasonBytes()) {
            throw new IOException(remote() + " sent a rejection reason of " + n + " bytes (at most "
                    + Handshake.maxReasonBytes() + " expected): not an hvd4j peer?");
        }
        return new String(readBytes(n), StandardCharsets.UTF_8);
    }

    /** Tells the client why (best effort) and returns the exception for the server's caller. */
    IOException reject(String message, String reason) {
        sendRejection(reason);
        return new IOException(message);
    }

    AuthenticationException rejectAuth(String message, String reason) {
        sendRejection(reason);
        return new AuthenticationException(message);
    }

    private void sendRejection(String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(text.length, Handshake.maxReasonBytes());
        byte[] msg = new byte[3 + n];
        msg[0] = (byte) Handshake.REJECTED;
        msg[1] = (byte) (n >>> 8);
        msg[2] = (byte) n;
        System.arraycopy(text, 0, msg, 3, n);
        sendQuietly(msg);
    }

    private void sendQuietly(byte[] message) {
        try {
            send(message);
        } catch (IOException ignored) {
            // The peer may already be gone; the exception we throw says what went wrong.
        }
    }

    private void closeQuietly() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Nothing useful to add to the handshake's own error.
        }
    }

    private static String printable(byte[] b) {
        StringBuilder hex = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (byte x : b) {
            hex.append(String.format("%02x ", x & 0xff));
            text.append(x >= 0x20 && x < 0x7f ? (char) x : '.');
        }
        return hex.toString().trim() + " (\"" + text + "\")";
    }
}
