package org.hvd4j.tensor.cpu;

import java.nio.FloatBuffer;

/**
 * Per-thread heap scratch arrays. Java kernels copy a block of off-heap memory into one (a bulk
 * copy, i.e. memcpy), compute on plain {@code float[]} loops, which the JIT bounds-check-eliminates
 * and vectorises, and copy the result back. Measured on the CNN step: element-by-element
 * {@code FloatBuffer.get/put} spent most of its time in index checks, and the staged loops are
 * several times faster.
 */
final class Scratch {
    /** Elements per block of the elementwise kernels: small enough for L1/L2, large enough to amortise. */
    static final int BLOCK = 4096;
    private static final int SLOTS = 4;
    private static final ThreadLocal<float[][]> FLOATS = ThreadLocal.withInitial(() -> new float[SLOTS][BLOCK]);
    private static final ThreadLocal<int[]> INTS = ThreadLocal.withInitial(() -> new int[BLOCK]);

    private Scratch() {
    }

    /** Scratch array number {@code slot} (0..3) of this thread with at least {@code n} elements. */
    static float[] floats(int slot, int n) {
        float[][] s = FLOATS.get();
        if (s[slot].length < n) {
            s[slot] = new float[Math.max(n, s[slot].length * 2)];
        }
        return s[slot];
    }

    /** This thread's int scratch array with at least {@code n} elements. */
    static int[] ints(int n) {
        int[] s = INTS.get();
        if (s.length < n) {
            s = new int[Math.max(n, s.length * 2)];
            INTS.set(s);
        }
        return s;
    }

    /** Copies {@code n} elements of {@code t} from element {@code from} (relative to its offset) into {@code dst}. */
    static float[] load(FloatBuffer buf, int index, float[] dst, int n) {
        buf.get(index, dst, 0, n);
        return dst;
    }

    /** Writes the first {@code n} elements of {@code src} to {@code buf} at {@code index}. */
    static void store(float[] src, FloatBuffer buf, int index, int n) {
        buf.put(index, src, 0, n);
    }
}
