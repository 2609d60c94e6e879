package org.hvd4j.allreduce.runtime;

import java.nio.ByteBuffer;
import org.hvd4j.allreduce.comm.Bytes;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.Tensor;

/**
 * The data of one collective as the engine sees it: a tensor on any backend, or a host buffer
 * (plain Java arrays are staged in one). The engine reads and writes it only between submission
 * and completion of the handle; the caller must not touch it in between.
 */
public interface Payload {

    DType dtype();

    /** Number of elements. */
    int numel();

    /** The elements as host bytes, in place; null when they live on a device. */
    ByteBuffer hostBytes();

    /** Copies elements {@code [offset, offset + count)} to {@code dst[dstPos, ...)}. */
    void copyOut(int offset, int count, ByteBuffer dst, int dstPos);

    /** Copies {@code count} elements from {@code src[srcPos, ...)} to elements {@code [offset, ...)}. */
    void copyIn(ByteBuffer src, int srcPos, int offset, int count);

    /** The tensor behind this payload, or null for a host buffer (the device path needs the tensor itself). */
    default Tensor tensor() {
        return null;
    }

    /** A tensor's storage, through its backend. */
    static Payload of(Tensor t) {
        t.checkLive();
        return new Payload() {
            @Override
            public DType dtype() {
                return t.dtype();
            }

            @Override
            public int numel() {
                return t.numel();
            }

            @Override
            public ByteBuffer hostBytes() {
                return t.backend().hostBytes(t);
            }

            @Override
            public void copyOut(int offset, int count, ByteBuffer dst, int dstPos) {
                t.backend().copyToHost(t, offset, count, dst, dstPos);
            }

            @Override
            public void copyIn(ByteBuffer src, int srcPos, int offset, int count) {
                t.backend().copyFromHost(src, srcPos, t, offset, count);
            }

            @Override
            public Tensor tensor() {
                return t;
            }
        };
    }

    /** {@code numel} elements of {@code dtype} in a direct, native-order buffer, in place. */
    static Payload of(ByteBuffer buf, DType dtype, int numel) {
        return new Payload() {
            @Override
            public DType dtype() {
                return dtype;
            }

            @Override
            public int numel() {
                return numel;
            }

            @Override
            public ByteBuffer hostBytes() {
                return buf;
            }

            @Override
            public void copyOut(int offset, int count, ByteBuffer dst, int dstPos) {
                Bytes.copy(buf, offset * dtype.bytes(), dst, dstPos, count * dtype.bytes());
            }

            @Override
            public void copyIn(ByteBuffer src, int srcPos, int offset, int count) {
                Bytes.copy(src, srcPos, buf, offset * dtype.bytes(), count * dtype.bytes());
            }
        };
    }
}
