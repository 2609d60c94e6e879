package org.hvd4j.nn.io;

import java.util.Arrays;
import org.hvd4j.tensor.Tensor;

/** One dataset held in memory: floating-point data as float32, integers as int64. */
record Stored(long[] dims, float[] floats, long[] longs) {
    static Stored of(Tensor t) {
        int[] d = t.shape().dims();
        return new Stored(Arrays.stream(d).asLongStream().toArray(), t.toFloatArray(), null);
    }

    static Stored scalar(long v) {
        return new Stored(new long[0], null, new long[] {v});
    }

    static Stored longs(long[] v) {
        return new Stored(new long[] {v.length}, null, v);
    }

    boolean isFloat() {
        return floats != null;
    }

    int elements() {
        return floats != null ? floats.length : longs.length;
    }

    /** The values as floats, whichever way they are stored. */
    float[] asFloats() {
        if (floats != null) {
            return floats;
        }
        float[] f = new float[longs.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = longs[i];
        }
        return f;
    }

    boolean sameShape(int[] other) {
        if (other.length != dims.length) {
            return false;
        }
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] != other[i]) {
                return false;
            }
        }
        return true;
    }
}
