package org.hvd4j.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * JavaCPP pointers at raw addresses (device addresses for cuBLAS and NCCL, host addresses of
 * direct buffers for copies), always at position 0: JavaCPP adds a pointer's position to its
 * address when it passes it to C, so a pointer made from a buffer ({@code new Pointer(buffer)})
 * would carry the buffer's position along.
 */
final class NativePointers {
    private NativePointers() {
    }

    /** A {@code void*} at {@code address}; owns nothing. */
    static final class At extends Pointer {
        At(long address) {
            this.address = address;
        }
    }

    /** A {@code float*} at {@code address} (device memory for cuBLAS); owns nothing. */
    static final class FloatsAt extends FloatPointer {
        FloatsAt(long address) {
            this.address = address;
        }
    }

    /** The address of element 0 of a direct buffer (not of its position). */
    static long baseAddress(ByteBuffer buffer) {
        if (buffer == null || !buffer.isDirect()) {
            throw new IllegalArgumentException("a direct ByteBuffer is needed, got "
                    + (buffer == null ? "null" : "a heap buffer"));
        }
        // Pointer(Buffer) takes GetDirectBufferAddress as its address and the buffer's position as its position
        return new Pointer(buffer).address();
    }

    /**
     * The host address of {@code buffer[pos, pos + bytes)}, checked against the buffer's capacity.
     *
     * @throws CudaException (code CUDA_ERROR_INVALID_VALUE) naming {@code call} for a heap buffer or a
     *         range outside the buffer
     */
    static long hostAddress(ByteBuffer buffer, long pos, long bytes, String call) {
        if (buffer == null || !buffer.isDirect()) {
            throw new CudaException(call, org.bytedeco.cuda.global.cudart.CUDA_ERROR_INVALID_VALUE, call
                    + " needs a direct ByteBuffer, got " + (buffer == null ? "null" : "a heap buffer"));
        }
        if (pos < 0 || bytes < 0 || pos + bytes > buffer.capacity()) {
            throw new CudaException(call, org.bytedeco.cuda.global.cudart.CUDA_ERROR_INVALID_VALUE, call + " of "
                    + bytes + " bytes at position " + pos + " does not fit the buffer's capacity of "
                    + buffer.capacity() + " bytes");
        }
        return baseAddress(buffer) + pos;
    }

    /** A direct buffer in native byte order over {@code bytes} bytes at {@code address} (memory it does not own). */
    static ByteBuffer bufferAt(long address, int bytes) {
        return new BytePointer(new At(address)).capacity(bytes).asByteBuffer().order(ByteOrder.nativeOrder());
    }
}
