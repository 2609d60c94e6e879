package org.hvd4j.allreduce.comm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Absolute-position byte copies and buffer helpers shared by the transports. */
public final class Bytes {
    private Bytes() {
    }

    /** {@code dst[dstPos, +n) = src[srcPos, +n)}; positions and limits are left untouched. */
    public static void copy(ByteBuffer src, int srcPos, ByteBuffer dst, int dstPos, int n) {
        if (n > 0 && !(src == dst && srcPos == dstPos)) {
            dst.put(dstPos, src, srcPos, n);
        }
    }

    /** Address of byte 0 of a direct buffer (whatever its position). */
    public static long address(ByteBuffer buf) {
        if (!buf.isDirect()) {
            throw new IllegalArgumentException("not a direct buffer: " + buf);
        }
        return NativeMemory.address(buf);
    }

    /** A direct buffer in native byte order. */
    public static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    /** A view of {@code buf[pos, pos + n)} with its own position 0 and limit n, native order. */
    public static ByteBuffer slice(ByteBuffer buf, int pos, int n) {
        return buf.slice(pos, n).order(ByteOrder.nativeOrder());
    }
}
