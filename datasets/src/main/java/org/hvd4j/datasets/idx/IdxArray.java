package org.hvd4j.datasets.idx;

import java.util.Arrays;

/**
 * The contents of one unsigned-byte IDX file: its dimensions and its elements, row-major.
 *
 * <p>For an image file the dimensions are {@code {count, rows, cols}}; for a label file
 * {@code {count}}.
 */
public final class IdxArray {
    /** IDX element-type code for unsigned bytes, the only type supported. */
    public static final int TYPE_UBYTE = 0x08;
    /** Magic number of an unsigned-byte file with 1 dimension (labels). */
    public static final int MAGIC_LABELS = 0x00000801;
    /** Magic number of an unsigned-byte file with 3 dimensions (images). */
    public static final int MAGIC_IMAGES = 0x00000803;

    private final int[] dims;
    private final byte[] data;

    /**
     * @param dims at least one dimension, each non-negative
     * @param data exactly the product of {@code dims} bytes; kept, not copied
     * @throws IllegalArgumentException if the sizes disagree
     */
    public IdxArray(int[] dims, byte[] data) {
        if (dims.length == 0 || dims.length > 255) {
            throw new IllegalArgumentException("IDX needs 1..255 dimensions, got " + dims.length);
        }
        long n = 1;
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
            }
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("dims " + Arrays.toString(dims) + " need " + n
                    + " bytes, data has " + data.length);
        }
        this.dims = dims.clone();
        this.data = data;
    }

    /** @return a copy of the dimensions, outermost first */
    public int[] dims() {
        return dims.clone();
    }

    /** @return the number of dimensions */
    public int rank() {
        return dims.length;
    }

    /**
     * @param i dimension index, 0 is outermost
     * @return the size of dimension {@code i}
     */
    public int dim(int i) {
        return dims[i];
    }

    /** @return the number of items: the size of the outermost dimension */
    public int count() {
        return dims[0];
    }

    /** @return bytes per item: the product of all dimensions but the first */
    public int itemSize() {
        int s = 1;
        for (int i = 1; i < dims.length; i++) {
            s *= dims[i];
        }
        return s;
    }

    /** @return the magic number this array is written with: {@code 0x0800 | rank} */
    public int magic() {
        return (TYPE_UBYTE << 8) | dims.length;
    }

    /** @return the elements, row-major, not copied (Java bytes: mask with 0xFF for the value) */
    public byte[] data() {
        return data;
    }

    /**
     * @param flatIndex row-major element index
     * @return the element as an unsigned value 0..255
     */
    public int unsigned(int flatIndex) {
        return data[flatIndex] & 0xFF;
    }
}
