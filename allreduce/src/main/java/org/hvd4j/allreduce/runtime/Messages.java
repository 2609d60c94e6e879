package org.hvd4j.allreduce.runtime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The two control messages, each sent as one frame: a rank's {@code RequestList} (new requests,
 * plus whether it asks to shut down) and the coordinator's {@code ResponseList}.
 */
final class Messages {
    private static final int VERSION = 2; // 2: requests and responses carry onDevice

    private Messages() {
    }

    /** A rank's batch of new requests; {@code shutdown} asks every rank to stop. */
    record RequestList(int rank, List<Request> requests, boolean shutdown) {
    }

    static byte[] encodeRequests(RequestList list) {
        return encode(out -> {
            out.writeInt(list.rank());
            out.writeBoolean(list.shutdown());
            out.writeInt(list.requests().size());
            for (Request r : list.requests()) {
                r.write(out);
            }
        });
    }

    static RequestList decodeRequests(byte[] frame) throws IOException {
        DataInputStream in = open(frame);
        int rank = in.readInt();
        boolean shutdown = in.readBoolean();
        int n = count(in);
        List<Request> rs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rs.add(Request.read(in));
        }
        return new RequestList(rank, rs, shutdown);
    }

    static byte[] encodeResponses(List<Response> list) {
        return encode(out -> {
            out.writeInt(list.size());
            for (Response r : list) {
                r.write(out);
            }
        });
    }

    static List<Response> decodeResponses(byte[] frame) throws IOException {
        DataInputStream in = open(frame);
        int n = count(in);
        List<Response> rs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rs.add(Response.read(in));
        }
        return rs;
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] encode(Writer w) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(VERSION);
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen for an in-memory stream
        }
        return bytes.toByteArray();
    }

    private static DataInputStream open(byte[] frame) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(frame));
        int v = in.readInt();
        if (v != VERSION) {
            throw new IOException("control message of version " + v + ", this hvd4j speaks " + VERSION
                    + ": every rank must run the same hvd4j build");
        }
        return in;
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > Wire.MAX_ARRAY) {
            throw new IOException("corrupt control message: list of " + n);
        }
        return n;
    }
}
