package org.hvd4j.allreduce.comm;

import java.nio.Buffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;

/**
 * The kernels' window on native memory: JavaCPP pointers of each element type that are re-aimed
 * at any address with {@code at}, so that a BLAS call or a bulk copy costs no {@link Pointer}
 * allocation (a {@code new FloatPointer(buffer)} per call would be garbage in the transports' hot
 * loops, and also registers a deallocator). Instances belong to one thread ({@link Scratch}).
 *
 * <p>None of these pointers owns memory: they are built with the no-argument constructors, which
 * attach no deallocator, so nothing is ever freed through them. Callers check bounds first;
 * native code does not.
 */
final class NativeMemory {
    private NativeMemory() {
    }

    /** Base address of a direct buffer (its byte 0, whatever its position), through JNI. */
    static long address(Buffer buf) {
        return Addresses.of(buf);
    }

    /** Gives access to JavaCPP's protected {@code getDirectBufferAddress}, which allocates nothing. */
    private static final class Addresses extends Pointer {
        static long of(Buffer buf) {
            return getDirectBufferAddress(buf);
        }
    }

    static final class Floats extends FloatPointer {
        Floats at(long addr, int count) {
            address = addr;
            position = 0;
            limit = count;
            capacity = count;
            return this;
        }
    }

    static final class Doubles extends DoublePointer {
        Doubles at(long addr, int count) {
            address = addr;
            position = 0;
            limit = count;
            capacity = count;
            return this;
        }
    }

    static final class Ints extends IntPointer {
        Ints at(long addr, int count) {
            address = addr;
            position = 0;
            limit = count;
            capacity = count;
            return this;
        }
    }

    static final class Longs extends LongPointer {
        Longs at(long addr, int count) {
            address = addr;
            position = 0;
            limit = count;
            capacity = count;
            return this;
        }
    }

    static final class Shorts extends ShortPointer {
        Shorts at(long addr, int count) {
            address = addr;
            position = 0;
            limit = count;
            capacity = count;
            return this;
        }
    }
}
