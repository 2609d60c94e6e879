package org.hvd4j.datasets.hdf5;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import org.hvd4j.hdf5.ElementType;

/**
 * Turns rows read from the file into the model's floats: normalisation ({@link FeatureNormalization})
 * and, for {@link Layout#NHWC}, the transpose of each {@code [H, W, C]} sample to {@code [C, H, W]}.
 * uint8 rows are read as bytes and decoded through a 256-entry table; every other type is read as
 * float32, HDF5 doing the conversion (exact for the 8- and 16-bit integers).
 */
final class FeatureDecoder {
    private final ElementType readAs;
    /** The normalisation for the stored type; null: values as stored. */
    private final FeatureNormalization.Affine affine;
    private final float[] table;
    private final int rowElements;
    private final int h;
    private final int w;
    private final int c;
    private final boolean transpose;

    /**
     * @param stored the file's element type
     * @param rowDims one sample's dimensions in the file
     */
    FeatureDecoder(ElementType stored, FeatureNormalization norm, Layout layout, long[] rowDims) {
        this.readAs = stored == ElementType.UINT8 ? ElementType.UINT8 : ElementType.FLOAT32;
        this.affine = norm.forType(stored);
        long n = 1;
        for (long d : rowDims) {
            n *= d;
        }
        this.rowElements = Math.toIntExact(n);
        if (readAs == ElementType.UINT8) {
            table = new float[256];
            for (int v = 0; v < 256; v++) {
                table[v] = affine == null ? v : affine.apply(v);
            }
        } else {
            table = null;
        }
        transpose = layout == Layout.NHWC;
        h = transpose ? (int) rowDims[0] : 0;
        w = transpose ? (int) rowDims[1] : 0;
        c = transpose ? (int) rowDims[2] : 0;
    }

    /** The type rows are read as. */
    ElementType readAs() {
        return readAs;
    }

    /** Bytes of one row as read. */
    int rowBytes() {
        return rowElements * readAs.bytes();
    }

    /**
     * Decodes row {@code row} of {@code raw} (rows as read, from position 0) into {@code dst} at
     * {@code off}; {@code rawFloats} is {@code raw}'s float view (made once by the caller).
     */
    void decode(ByteBuffer raw, FloatBuffer rawFloats, int row, float[] dst, int off) {
        int base = row * rowElements;
        if (table != null) {
            int b = base;
            if (!transpose) {
                for (int i = 0; i < rowElements; i++) {
                    dst[off + i] = table[raw.get(b + i) & 0xFF];
                }
            } else {
                int hw = h * w;
                for (int p = 0; p < hw; p++) {
                    for (int ch = 0; ch < c; ch++) {
                        dst[off + ch * hw + p] = table[raw.get(b + p * c + ch) & 0xFF];
                    }
                }
            }
            return;
        }
        FloatBuffer f = rawFloats;
        if (!transpose) {
            f.get(base, dst, off, rowElements);
            if (affine != null) {
                for (int i = 0; i < rowElements; i++) {
                    dst[off + i] = affine.apply(dst[off + i]);
                }
            }
        } else {
            int hw = h * w;
            for (int p = 0; p < hw; p++) {
                for (int ch = 0; ch < c; ch++) {
                    float v = f.get(base + p * c + ch);
                    dst[off + ch * hw + p] = affine == null ? v : affine.apply(v);
                }
            }
        }
    }
}
