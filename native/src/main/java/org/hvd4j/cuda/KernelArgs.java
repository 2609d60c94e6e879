package org.hvd4j.cuda;

import java.util.Arrays;

/**
 * The arguments of one kernel launch, in order, with their C types: a device pointer, a 32-bit
 * int, a float or an unsigned 64-bit integer. Both drivers read the same list: the real one packs
 * it into {@code cuLaunchKernel}'s parameter array, the emulation hands it to the kernel's twin,
 * and each checks it against the kernel's parameter list.
 */
public final class KernelArgs {
    /** C parameter kinds. */
    public enum Kind { PTR, I32, F32, U64 }

    private Kind[] kinds = new Kind[16];
    private long[] bits = new long[16];
    private int size;

    /** Appends a device pointer (0 for a nullable pointer that is absent). */
    public KernelArgs ptr(long address) {
        return add(Kind.PTR, address);
    }

    public KernelArgs i32(int value) {
        return add(Kind.I32, value);
    }

    /** Appends a boolean flag as int 0/1. */
    public KernelArgs flag(boolean value) {
        return add(Kind.I32, value ? 1 : 0);
    }

    public KernelArgs f32(float value) {
        return add(Kind.F32, Float.floatToRawIntBits(value));
    }

    public KernelArgs u64(long value) {
        return add(Kind.U64, value);
    }

    private KernelArgs add(Kind kind, long value) {
        if (size == kinds.length) {
            kinds = Arrays.copyOf(kinds, size * 2);
            bits = Arrays.copyOf(bits, size * 2);
        }
        kinds[size] = kind;
        bits[size++] = value;
        return this;
    }

    /** Number of arguments. */
    public int size() {
        return size;
    }

    public Kind kind(int i) {
        check(i);
        return kinds[i];
    }

    /** Argument {@code i} as a pointer or u64. */
    public long asLong(int i) {
        check(i);
        return bits[i];
    }

    public int asInt(int i) {
        check(i);
        return (int) bits[i];
    }

    public float asFloat(int i) {
        check(i);
        return Float.intBitsToFloat((int) bits[i]);
    }

    /** The kinds as a compact signature such as {@code (PTR, PTR, I32)}, for error messages. */
    public String signature() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < size; i++) {
            sb.append(i == 0 ? "" : ", ").append(kinds[i]);
        }
        return sb.append(')').toString();
    }

    private void check(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("kernel argument " + i + " of " + size);
        }
    }
}
