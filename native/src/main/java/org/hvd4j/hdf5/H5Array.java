package org.hvd4j.hdf5;

import static org.bytedeco.hdf5.global.hdf5.H5D_CHUNKED;
import static org.bytedeco.hdf5.global.hdf5.H5D_CONTIGUOUS;
import static org.bytedeco.hdf5.global.hdf5.H5Dget_offset;
import static org.bytedeco.hdf5.global.hdf5.H5Pget_external_count;
import static org.bytedeco.hdf5.global.hdf5.H5T_ORDER_LE;
import static org.bytedeco.hdf5.global.hdf5.H5T_ORDER_NONE;
import static org.bytedeco.hdf5.global.hdf5.H5Tget_order;
import static org.bytedeco.hdf5.global.hdf5.H5Dclose;
import static org.bytedeco.hdf5.global.hdf5.H5Dget_create_plist;
import static org.bytedeco.hdf5.global.hdf5.H5Dget_space;
import static org.bytedeco.hdf5.global.hdf5.H5Dget_type;
import static org.bytedeco.hdf5.global.hdf5.H5Dread;
import static org.bytedeco.hdf5.global.hdf5.H5P_DEFAULT;
import static org.bytedeco.hdf5.global.hdf5.H5Pclose;
import static org.bytedeco.hdf5.global.hdf5.H5Pget_chunk;
import static org.bytedeco.hdf5.global.hdf5.H5Pget_layout;
import static org.bytedeco.hdf5.global.hdf5.H5S_SELECT_SET;
import static org.bytedeco.hdf5.global.hdf5.H5Sclose;
import static org.bytedeco.hdf5.global.hdf5.H5Screate_simple;
import static org.bytedeco.hdf5.global.hdf5.H5Sget_simple_extent_dims;
import static org.bytedeco.hdf5.global.hdf5.H5Sget_simple_extent_ndims;
import static org.bytedeco.hdf5.global.hdf5.H5Sselect_hyperslab;
import static org.bytedeco.hdf5.global.hdf5.H5T_FLOAT;
import static org.bytedeco.hdf5.global.hdf5.H5T_INTEGER;
import static org.bytedeco.hdf5.global.hdf5.H5T_SGN_NONE;
import static org.bytedeco.hdf5.global.hdf5.H5Tclose;
import static org.bytedeco.hdf5.global.hdf5.H5Tget_class;
import static org.bytedeco.hdf5.global.hdf5.H5Tget_sign;
import static org.bytedeco.hdf5.global.hdf5.H5Tget_size;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.bytedeco.javacpp.BytePointer;

/**
 * An open dataset of numbers: its shape, element type and chunking, read whole or by ranges of
 * rows (the first dimension) with HDF5 converting to the element type asked for. Reading a range
 * touches only the chunks that hold it, so a dataset larger than memory can be read piece by piece.
 */
public final class H5Array implements AutoCloseable {
    private final H5File file;
    private final String name;
    private final long id;
    private final long[] dims;
    private final ElementType type;
    private final long[] chunk;
    private final String typeDescription;
    private final long rawOffset;

    H5Array(H5File file, String name, long id) {
        this.file = file;
        this.name = name;
        this.id = id;
        long space = H5Dget_space(id);
        int rank = H5Sget_simple_extent_ndims(space);
        dims = new long[Math.max(rank, 0)];
        if (rank > 0) {
            H5Sget_simple_extent_dims(space, dims, (long[]) null);
        }
        H5Sclose(space);
        long t = H5Dget_type(id);
        int cls = H5Tget_class(t);
        long size = H5Tget_size(t);
        ElementType et = null;
        if (cls == H5T_INTEGER) {
            et = ElementType.of(false, H5Tget_sign(t) != H5T_SGN_NONE, size);
        } else if (cls == H5T_FLOAT) {
            et = ElementType.of(true, true, size);
        }
        typeDescription = et != null ? et.numpyName() : describeClass(cls, size);
        type = et;
        int order = H5Tget_order(t);
        H5Tclose(t);
        long plist = H5Dget_create_plist(id);
        long[] c = null;
        int layout = H5Pget_layout(plist);
        if (layout == H5D_CHUNKED && rank > 0) {
            c = new long[rank];
            H5Pget_chunk(plist, rank, c);
        }
        boolean plain = layout == H5D_CONTIGUOUS && H5Pget_external_count(plist) == 0 && et != null
                && (order == H5T_ORDER_LE || order == H5T_ORDER_NONE);
        H5Pclose(plist);
        chunk = c;
        // HADDR_UNDEF (all ones, -1 here) when no storage is allocated yet
        rawOffset = plain ? H5Dget_offset(id) : -1;
    }

    private static String describeClass(int cls, long size) {
        String[] names = {"integer", "float", "time", "string", "bitfield", "opaque", "compound", "reference", "enum",
            "variable-length", "array"};
        return (cls >= 0 && cls < names.length ? names[cls] : "class " + cls) + " of " + size + " bytes";
    }

    /** Its path in the file, e.g. {@code /train/images}. */
    public String name() {
        return name;
    }

    /** The file it is in. */
    public H5File file() {
        return file;
    }

    /** Its shape; a fresh copy. */
    public long[] dims() {
        return dims.clone();
    }

    /** Its element type, or null when it holds something else (strings, compounds, enums...). */
    public ElementType type() {
        return type;
    }

    /** The element type as text, also for types this package does not read ({@code "string of 8 bytes"}). */
    public String typeDescription() {
        return typeDescription;
    }

    /** The chunk shape, or null for a contiguous dataset. */
    public long[] chunk() {
        return chunk == null ? null : chunk.clone();
    }

    /**
     * Where the elements lie in the file when they are stored as one plain block: contiguous
     * layout, in this file (no external storage), little-endian or single bytes, so that byte
     * {@code rawOffset() + (row * rowElements() + k) * type().bytes()} holds element {@code k} of
     * {@code row}. -1 otherwise (chunked, compressed, big-endian, not yet written). A reader may
     * map that block instead of calling HDF5 for each row.
     */
    public long rawOffset() {
        return rawOffset;
    }

    /** Elements in all. */
    public long elements() {
        long n = 1;
        for (long d : dims) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Elements per row (per index of the first dimension); 1 for a one-dimensional dataset. */
    public long rowElements() {
        long n = 1;
        for (int i = 1; i < dims.length; i++) {
            n = Math.multiplyExact(n, dims[i]);
        }
        return n;
    }

    /**
     * Reads rows {@code [first, first + count)} as {@code as} into {@code dst} at its position
     * (little-endian), which needs {@code count * rowElements() * as.bytes()} bytes.
     */
    public void readRows(long first, long count, ElementType as, ByteBuffer dst) {
        if (dims.length == 0) {
            throw new Hdf5Exception(where() + " is a scalar, not an array of rows");
        }
        if (first < 0 || count < 0 || first + count > dims[0]) {
            throw new Hdf5Exception(where() + ": rows " + first + ".." + (first + count) + " are outside 0.." + dims[0]);
        }
        long bytes = Math.multiplyExact(Math.multiplyExact(count, rowElements()), as.bytes());
        if (dst.remaining() < bytes) {
            throw new IllegalArgumentException("buffer for " + where() + " has " + dst.remaining() + " bytes, needs " + bytes);
        }
        if (count == 0) {
            return;
        }
        if (!dst.isDirect()) {
            throw new IllegalArgumentException("readRows needs a direct buffer");
        }
        long[] start = new long[dims.length];
        long[] cnt = dims.clone();
        start[0] = first;
        cnt[0] = count;
        synchronized (Hdf5.LOCK) {
            file.checkOpen();
            long fileSpace = H5Dget_space(id);
            // The memory space has the selection's shape, not a flat one: with a flat memory space
            // HDF5 cannot map the selection chunk by chunk, and data-bench read a chunked+gzip copy
            // of Fashion-MNIST 2.4x slower into memory and streamed it 6.8x slower.
            long memSpace = H5Screate_simple(cnt.length, cnt, (long[]) null);
            try {
                if (H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, null, cnt, (long[]) null) < 0) {
                    throw new Hdf5Exception(where() + ": cannot select rows " + first + ".." + (first + count)
                            + Hdf5.lastError());
                }
                BytePointer p = new BytePointer(dst.slice(dst.position(), (int) bytes));
                if (H5Dread(id, as.nativeType(), memSpace, fileSpace, H5P_DEFAULT, p) < 0) {
                    throw new Hdf5Exception(where() + ": reading rows " + first + ".." + (first + count) + " as "
                            + as.numpyName() + " failed" + Hdf5.lastError());
                }
            } finally {
                H5Sclose(memSpace);
                H5Sclose(fileSpace);
            }
        }
    }

    /** The whole dataset as {@code as}, in a new little-endian direct buffer. */
    public ByteBuffer readAll(ElementType as) {
        long bytes = Math.multiplyExact(elements(), as.bytes());
        if (bytes > Integer.MAX_VALUE) {
            throw new Hdf5Exception(where() + " holds " + bytes + " bytes, too many to read at once; read it by rows");
        }
        ByteBuffer b = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (dims.length == 0) {
            synchronized (Hdf5.LOCK) {
                file.checkOpen();
                if (H5Dread(id, as.nativeType(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT, new BytePointer(b)) < 0) {
                    throw new Hdf5Exception(where() + ": reading failed" + Hdf5.lastError());
                }
            }
        } else {
            readRows(0, dims[0], as, b);
        }
        return b;
    }

    /** The whole dataset as floats (converted by HDF5). */
    public float[] readFloats() {
        float[] out = new float[Math.toIntExact(elements())];
        readAll(ElementType.FLOAT32).asFloatBuffer().get(out);
        return out;
    }

    /** The whole dataset as longs (converted by HDF5). */
    public long[] readLongs() {
        long[] out = new long[Math.toIntExact(elements())];
        readAll(ElementType.INT64).asLongBuffer().get(out);
        return out;
    }

    /** The whole dataset as doubles (converted by HDF5). */
    public double[] readDoubles() {
        double[] out = new double[Math.toIntExact(elements())];
        readAll(ElementType.FLOAT64).asDoubleBuffer().get(out);
        return out;
    }

    String where() {
        return file.path() + ": dataset " + name + " " + Arrays.toString(dims) + " " + typeDescription;
    }

    @Override
    public void close() {
        synchronized (Hdf5.LOCK) {
            H5Dclose(id);
        }
    }
}
