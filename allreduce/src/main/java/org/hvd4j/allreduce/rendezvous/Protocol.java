package org.hvd4j.allreduce.rendezvous;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Op codes, status codes, limits and field encodings shared by client and server. */
final class Protocol {
    static final String PURPOSE = "rendezvous";

    static final int PUT = 1;
    static final int GET = 2;
    static final int ADD = 3;
    static final int DELETE = 4;
    static final int WAIT_COUNT = 5;
    static final int KEYS = 6;

    static final int OK = 0;
    static final int NOT_FOUND = 1;
    static final int ERROR = 2;

    static final int MAX_KEY_BYTES = 1024;
    static final int MAX_VALUE_BYTES = 16 << 20;
    /** Op, key and value with their lengths, and the longs of the other ops. */
    static final int MAX_REQUEST_BYTES = MAX_VALUE_BYTES + MAX_KEY_BYTES + 64;
    static final int MAX_REPLY_BYTES = MAX_VALUE_BYTES + 64;

    private Protocol() {}

    static String opName(int op) {
        return switch (op) {
            case PUT -> "PUT";
            case GET -> "GET";
            case ADD -> "ADD";
            case DELETE -> "DELETE";
            case WAIT_COUNT -> "WAIT_COUNT";
            case KEYS -> "KEYS";
            default -> "op " + op;
        };
    }

    /** An int length, then the UTF-8 bytes (not {@code writeUTF}: that is modified UTF-8). */
    static void writeString(DataOutputStream out, String s) throws IOException {
        writeBytes(out, s.getBytes(StandardCharsets.UTF_8));
    }

    static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    /** Reads a string written by {@link #writeString}, refusing more than {@code max} bytes. */
    static String readString(DataInputStream in, int max, String what) throws IOException {
        return new String(readBytes(in, max, what), StandardCharsets.UTF_8);
    }

    static byte[] readBytes(DataInputStream in, int max, String what) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > max) {
            throw new LimitException(what + " of " + n + " bytes exceeds the limit of "
                    + size(max));
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    /** {@code 16 MiB (16777216 bytes)}, {@code 1024 bytes}. */
    static String size(long bytes) {
        if (bytes >= (1 << 20) && bytes % (1 << 20) == 0) {
            return (bytes >> 20) + " MiB (" + bytes + " bytes)";
        }
        return bytes + " bytes";
    }

    /** Milliseconds of a timeout, saturated, never negative. */
    static long millis(Duration d) {
        if (d.isNegative()) {
            return 0;
        }
        try {
            return d.toMillis();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** A request broke a limit: the server answers ERROR and goes on serving. */
    static final class LimitException extends IOException {
        private static final long serialVersionUID = 1L;

        LimitException(String message) {
            super(message);
        }
    }
}
