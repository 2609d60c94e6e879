package org.hvd4j.cuda;

import java.nio.ByteBuffer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The native parameter block of {@code cuLaunchKernel}: {@code slots} pointers ({@code void**
 * kernelParams}) followed by {@code slots} 8-byte value slots, pointer {@code i} holding the address
 * of slot {@code i}. Packing a launch writes each argument into its slot (a pointer or u64 as 8
 * bytes, an i32 or f32 as 4 bytes at the start of the slot, the other 4 zero) and touches nothing
 * else, so one block per thread serves every launch without a native allocation.
 *
 * <p>The driver reads the values during {@code cuLaunchKernel} (it copies them into the launch), so
 * the block may be reused as soon as the call returns.
 */
final class KernelParamBlock implements AutoCloseable {
    /** Bytes per value slot: the largest parameter (pointer, u64) and its alignment. */
    static final int SLOT = 8;

    private final int slots;
    private final Pointer memory;
    private final ByteBuffer view;
    private final PointerPointer<Pointer> params;
    private boolean closed;

    /** A block for launches of up to {@code slots} arguments (at least 1). */
    KernelParamBlock(int slots) {
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be >= 1, got " + slots);
        }
        this.slots = slots;
        int bytes = 2 * slots * SLOT;
        Pointer m = Pointer.malloc(bytes);
        if (m == null || m.isNull()) {
            throw new OutOfMemoryError("malloc of a " + bytes + "-byte kernel parameter block failed");
        }
        this.memory = m;
        this.view = NativePointers.bufferAt(m.address(), bytes);
        long base = m.address();
        for (int i = 0; i < slots; i++) {
            view.putLong(i * SLOT, base + valuesOffset() + (long) i * SLOT);
            view.putLong(valuesOffset() + i * SLOT, 0L);
        }
        this.params = new PointerPointer<>(new NativePointers.At(base));
    }

    /** Number of arguments this block holds at most. */
    int slots() {
        return slots;
    }

    /** Byte offset of value slot 0 in the block. */
    int valuesOffset() {
        return slots * SLOT;
    }

    /** Address of the pointer array ({@code kernelParams}). */
    long address() {
        return memory.address();
    }

    /** Address of value slot {@code i}. */
    long valueAddress(int i) {
        return memory.address() + valuesOffset() + (long) i * SLOT;
    }

    /** The block's bytes (native order), for tests. */
    ByteBuffer view() {
        return view.duplicate().order(view.order());
    }

    /**
     * Writes {@code args} into the value slots and returns the pointer array to pass as
     * {@code kernelParams}.
     */
    PointerPointer<Pointer> pack(KernelArgs args) {
        if (closed) {
            throw new IllegalStateException("kernel parameter block is freed");
        }
        if (args.size() > slots) {
            throw new IllegalArgumentException(args.size() + " kernel arguments do not fit a block of " + slots);
        }
        packValues(args, view, valuesOffset());
        return params;
    }

    /**
     * Writes argument {@code i} of {@code args} at {@code values[offset + 8 i]} in the buffer's byte
     * order (native order for a launch): PTR and U64 as 8 bytes, I32 and F32 as 4 bytes followed by 4
     * zero bytes.
     */
    static void packValues(KernelArgs args, ByteBuffer values, int offset) {
        for (int i = 0; i < args.size(); i++) {
            int at = offset + i * SLOT;
            switch (args.kind(i)) {
                case PTR, U64 -> values.putLong(at, args.asLong(i));
                case I32, F32 -> { // an F32's bits as KernelArgs keeps them: no NaN canonicalisation
                    values.putInt(at, args.asInt(i));
                    values.putInt(at + 4, 0);
                }
                default -> throw new IllegalArgumentException("kernel argument kind " + args.kind(i));
            }
        }
    }

    /** Size in bytes that the kernel's C parameter of this kind occupies. */
    static int bytesOf(KernelArgs.Kind kind) {
        return switch (kind) {
            case PTR, U64 -> 8;
            case I32, F32 -> 4;
        };
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Pointer.free(memory);
        }
    }
}
