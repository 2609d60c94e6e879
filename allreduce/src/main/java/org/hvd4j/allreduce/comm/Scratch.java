package org.hvd4j.allreduce.comm;

import java.nio.ByteBuffer;

/**
 * One thread's staging area for the reduction loops: two arrays of each primitive type, a chunk
 * of {@link #CHUNK_BYTES} each, and the {@link NativeMemory} pointers that copy between them and
 * the buffers. A kernel loads a chunk of both operands, combines the arrays (loops that the JIT
 * unrolls and vectorises) and stores the chunk back.
 *
 * <p>Why stage rather than loop over the buffer: combining in arrays beat absolute
 * {@code ByteBuffer} get/put loops by 1.4x for sums and {@code FloatBuffer} loops by 2.5x for
 * {@code Math.max} (figures in {@link Reducer}), and typed views of the buffers would be
 * allocated per call where these pointers are re-aimed. Below {@link #BULK_MIN} elements the
 * three JNI copies (about 25 ns each) cost more than they save, so short ranges move element by
 * element instead.
 *
 * <p>Thread confinement is what makes the kernels safe to run concurrently: nothing here is
 * shared, and the arrays are allocated once per thread and type, so steady state is garbage-free.
 */
final class Scratch {
    /** Bytes per staging array: two of them stay in a 32 KiB L1 data cache with room to spare. */
    static final int CHUNK_BYTES = 8192;
    /** From this many elements up, chunks move by JNI bulk copy; below, by ByteBuffer get/put. */
    static final int BULK_MIN = 256;

    private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

    final NativeMemory.Floats floatsA = new NativeMemory.Floats();
    final NativeMemory.Floats floatsB = new NativeMemory.Floats();
    final NativeMemory.Doubles doublesA = new NativeMemory.Doubles();
    final NativeMemory.Doubles doublesB = new NativeMemory.Doubles();
    private final NativeMemory.Ints ints = new NativeMemory.Ints();
    private final NativeMemory.Longs longs = new NativeMemory.Longs();
    private final NativeMemory.Shorts shorts = new NativeMemory.Shorts();

    private float[] f1;
    private float[] f2;
    private double[] d1;
    private double[] d2;
    private int[] i1;
    private int[] i2;
    private long[] l1;
    private long[] l2;
    private short[] s1;
    private short[] s2;
    private byte[] b1;
    private byte[] b2;

    private Scratch() {
    }

    /** This thread's scratch. */
    static Scratch get() {
        return LOCAL.get();
    }

    // ---- staging arrays, allocated on first use by this thread ----

    float[] floats1() {
        return f1 != null ? f1 : (f1 = new float[CHUNK_BYTES / 4]);
    }

    float[] floats2() {
        return f2 != null ? f2 : (f2 = new float[CHUNK_BYTES / 4]);
    }

    double[] doubles1() {
        return d1 != null ? d1 : (d1 = new double[CHUNK_BYTES / 8]);
    }

    double[] doubles2() {
        return d2 != null ? d2 : (d2 = new double[CHUNK_BYTES / 8]);
    }

    int[] ints1() {
        return i1 != null ? i1 : (i1 = new int[CHUNK_BYTES / 4]);
    }

    int[] ints2() {
        return i2 != null ? i2 : (i2 = new int[CHUNK_BYTES / 4]);
    }

    long[] longs1() {
        return l1 != null ? l1 : (l1 = new long[CHUNK_BYTES / 8]);
    }

    long[] longs2() {
        return l2 != null ? l2 : (l2 = new long[CHUNK_BYTES / 8]);
    }

    short[] shorts1() {
        return s1 != null ? s1 : (s1 = new short[CHUNK_BYTES / 2]);
    }

    short[] shorts2() {
        return s2 != null ? s2 : (s2 = new short[CHUNK_BYTES / 2]);
    }

    byte[] bytes1() {
        return b1 != null ? b1 : (b1 = new byte[CHUNK_BYTES]);
    }

    byte[] bytes2() {
        return b2 != null ? b2 : (b2 = new byte[CHUNK_BYTES]);
    }

    // ---- moving n elements between buffer bytes [pos, pos + n * width) and an array ----

    void load(ByteBuffer buf, int pos, float[] dst, int n) {
        if (n < BULK_MIN) {
            for (int i = 0; i < n; i++) {
                dst[i] = buf.getFloat(pos + 4 * i);
            }
        } else {
            floatsA.at(NativeMemory.address(buf) + pos, n).get(dst, 0, n);
        }
    }

    void store(ByteBuffer buf, int pos, float[] src, int n) {
        if (n < BULK_MIN) {
            for (int i = 0; i < n; i++) {
                buf.putFloat(pos + 4 * i, src[i]);
            }
        } else {
            floatsA.at(NativeMemory.address(buf) + pos, n).put(src, 0, n);
        }
    }

    void load(ByteBuffer buf, int pos, double[] dst, int n) {
        if (n < BULK_MIN) {
            for (int i = 0; i < n; i++) {
                dst[i] = buf.getDouble(pos + 8 * i);
            }
        } else {
            doublesA.at(NativeMemory.address(buf) + pos, n).get(dst, 0, n);
        }
    }

    void store(ByteBuffer buf, int pos, double[] src, int n) {
        if (n < BULK_MIN) {
            for (int i = 0; i < n; i++) {
                buf.putDouble(pos + 8 * i, src[i]);
            }
        } else {
            doublesA.at(NativeMemory.address(buf) + pos, n).put(src, 0, n);
        }
    }

    void load(ByteBuffer buf, int pos, int[] dst, int n) {
        if (n < BULK_MIN) {
            for (int i = 0; i < n; i++) {
                dst[i] = buf.getInt(pos + 4 * i);
            }
        } else {
            ints.at(NativeMemory.address(buf) + pos, n).get(dst, 0, n);
        }
    }

    void store(ByteBuffer buf, int pos, int[] src, int n) {
        if (n < BULK_MIN) {
            for (int i = 0; i < n; i++) {
                buf.putInt(pos + 4 * i, src[i]);
            }
        } else {
            ints.at(NativeMemory.address(buf) + pos, n).put(src, 0, n);
        }
    }

    void load(ByteBuffer buf, int pos, long[] dst, int n) {
        if (n < BULK_MIN) {
            for (int i = 0; i < n; i++) {
                dst[i] = buf.getLong(pos + 8 * i);
            }
        } else {
            longs.at(NativeMemory.address(buf) + pos, n).get(dst, 0, n);
        }
    }

    void store(ByteBuffer buf, int pos, long[] src, int n) {
        if (n < BULK_MIN) {
            for (int i = 0; i < n; i++) {
                buf.putLong(pos + 8 * i, src[i]);
            }
        } else {
            longs.at(NativeMemory.address(buf) + pos, n).put(src, 0, n);
        }
    }

    void load(ByteBuffer buf, int pos, short[] dst, int n) {
        if (n < BULK_MIN) {
            for (int i = 0; i < n; i++) {
                dst[i] = buf.getShort(pos + 2 * i);
            }
        } else {
            shorts.at(NativeMemory.address(buf) + pos, n).get(dst, 0, n);
        }
    }

    void store(ByteBuffer buf, int pos, short[] src, int n) {
        if (n < BULK_MIN) {
            for (int i = 0; i < n; i++) {
                buf.putShort(pos + 2 * i, src[i]);
            }
        } else {
            shorts.at(NativeMemory.address(buf) + pos, n).put(src, 0, n);
        }
    }

    /** Bytes need no JNI: the absolute bulk get of {@code ByteBuffer} is a plain memory copy. */
    void load(ByteBuffer buf, int pos, byte[] dst, int n) {
        buf.get(pos, dst, 0, n);
    }

    void store(ByteBuffer buf, int pos, byte[] src, int n) {
        buf.put(pos, src, 0, n);
    }
}
