package org.hvd4j.allreduce.net;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;

/**
 * Length-prefixed messages: a 4-byte big-endian length, then that many bytes. The control
 * protocols (rendezvous, negotiation) exchange their messages as frames, so that a reader always
 * knows where one message ends, and a limit on the length keeps a corrupt or hostile stream from
 * making the reader allocate gigabytes.
 */
public final class Frames {
    /** Payloads up to this size go out with their header in a single write (one packet). */
    private static final int COALESCE_BYTES = 8192;

    private Frames() {}

    /** Writes {@code payload} as one frame and flushes. */
    public static void write(DataOutputStream out, byte[] payload) throws IOException {
        int n = payload.length;
        byte[] header = {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
        if (n <= COALESCE_BYTES) {
            // With TCP_NODELAY, separate header and payload writes would be two packets.
            byte[] all = new byte[4 + n];
            System.arraycopy(header, 0, all, 0, 4);
            System.arraycopy(payload, 0, all, 4, n);
            out.write(all);
        } else {
            out.write(header);
            out.write(payload);
        }
        out.flush();
    }

    /**
     * Reads one frame of at most {@code maxBytes} bytes.
     *
     * @throws EOFException if the stream ends before or inside the frame
     * @throws IOException if the declared length is negative or over {@code maxBytes}; the stream
     *     is then out of step and should be closed
     */
    public static byte[] read(DataInputStream in, int maxBytes) throws IOException {
        int n;
        try {
            n = in.readInt();
        } catch (EOFException e) {
            throw eof("the peer closed the connection (no frame header)", e);
        }
        if (n < 0) {
            throw new IOException("frame declares a negative length (" + n
                    + "): the stream is corrupt or is not an hvd4j frame stream");
        }
        if (n > maxBytes) {
            throw new IOException("frame of " + n + " bytes exceeds the limit of " + maxBytes
                    + " bytes for this stream");
        }
        byte[] payload = new byte[n];
        try {
            in.readFully(payload);
        } catch (EOFException e) {
            throw eof("the peer closed the connection in the middle of a frame of " + n
                    + " bytes", e);
        }
        return payload;
    }

    private static EOFException eof(String message, EOFException cause) {
        EOFException e = new EOFException(message);
        e.initCause(cause);
        return e;
    }
}
