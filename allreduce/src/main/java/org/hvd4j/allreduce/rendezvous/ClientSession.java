package org.hvd4j.allreduce.rendezvous;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.hvd4j.allreduce.net.Frames;

/**
 * The server side of one authenticated client connection: reads request frames, applies them to
 * the {@link Store} and answers, one request at a time (the client sends the next request only
 * after the reply). A request that breaks a limit or is malformed gets an ERROR reply and the
 * session goes on; only a corrupt frame header ends it.
 */
final class ClientSession {
    private final Socket socket;
    private final Store store;
    private final int rank;

    ClientSession(Socket socket, Store store, int rank) {
        this.socket = socket;
        this.store = store;
        this.rank = rank;
    }

    /** Serves until the client leaves (returns) or the connection breaks (throws). */
    void serve() throws IOException {
        // The handshake is over, so this session owns the socket and may buffer.
        DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        DataOutputStream out = new DataOutputStream(
                new BufferedOutputStream(socket.getOutputStream()));
        while (true) {
            int n;
            try {
                n = in.readInt();
            } catch (EOFException e) {
                return;
            }
            byte[] reply;
            if (n < 0) {
                throw new IOException("rank " + rank + " sent a frame of negative length " + n
                        + ": the stream is corrupt");
            } else if (n > Protocol.MAX_REQUEST_BYTES) {
                // Read past it rather than hang up, so the client gets a clean error.
                in.skipNBytes(n);
                reply = error("request of " + Protocol.size(n) + " is too large: values may"
                        + " hold at most " + Protocol.size(Protocol.MAX_VALUE_BYTES) + ", keys "
                        + Protocol.size(Protocol.MAX_KEY_BYTES));
            } else {
                byte[] body = new byte[n];
                in.readFully(body);
                try {
                    reply = handle(body);
                } catch (InterruptedException e) {
                    return;
                }
            }
            Frames.write(out, reply);
        }
    }

    private byte[] handle(byte[] body) throws InterruptedException {
        DataInputStream req = new DataInputStream(new ByteArrayInputStream(body));
        int op = -1;
        try {
            op = req.readUnsignedByte();
            String key = Protocol.readString(req, Protocol.MAX_KEY_BYTES, "key");
            switch (op) {
                case Protocol.PUT -> {
                    store.put(key, Protocol.readBytes(req, Protocol.MAX_VALUE_BYTES,
                            "value of key '" + key + "'"));
                    return reply(Protocol.OK, o -> { });
                }
                case Protocol.GET -> {
                    byte[] v = store.await(key, req.readLong());
                    return v == null ? reply(Protocol.NOT_FOUND, o -> { })
                            : reply(Protocol.OK, o -> o.write(v));
                }
                case Protocol.ADD -> {
                    long v = store.add(key, req.readLong());
                    return reply(Protocol.OK, o -> o.writeLong(v));
                }
                case Protocol.DELETE -> {
                    boolean existed = store.delete(key);
                    return reply(Protocol.OK, o -> o.writeBoolean(existed));
                }
                case Protocol.WAIT_COUNT -> {
                    long target = req.readLong();
                    long v = store.awaitCount(key, target, req.readLong());
                    return reply(v >= target ? Protocol.OK : Protocol.NOT_FOUND,
                            o -> o.writeLong(v));
                }
                case Protocol.KEYS -> {
                    return keys(key);
                }
                default -> {
                    return error("unknown request " + op + ": is rank " + rank
                            + " running the same hvd4j version as the launcher?");
                }
            }
        } catch (Protocol.LimitException | Store.NotACounterException e) {
            return error(e.getMessage());
        } catch (IOException e) {
            // Reading from a byte array fails only when the request ends early.
            return error("malformed " + Protocol.opName(op) + " request (" + body.length
                    + " bytes): is rank " + rank + " running the same hvd4j version?");
        }
    }

    private byte[] keys(String prefix) {
        Set<String> keys = store.keys(prefix);
        byte[] r = reply(Protocol.OK, o -> {
            o.writeInt(keys.size());
            for (String k : keys) {
                Protocol.writeString(o, k);
            }
        });
        return r.length <= Protocol.MAX_REPLY_BYTES ? r : error(keys.size() + " keys start with '"
                + prefix + "': too many to list; use a longer prefix");
    }

    private static byte[] error(String message) {
        return reply(Protocol.ERROR, o -> o.write(message.getBytes(StandardCharsets.UTF_8)));
    }

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] reply(int status, Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            out.writeByte(status);
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }
}
