package org.hvd4j.hdf5;

import static org.bytedeco.hdf5.global.hdf5.H5Aclose;
import static org.bytedeco.hdf5.global.hdf5.H5Acreate2;
import static org.bytedeco.hdf5.global.hdf5.H5Adelete;
import static org.bytedeco.hdf5.global.hdf5.H5Aexists;
import static org.bytedeco.hdf5.global.hdf5.H5Aget_type;
import static org.bytedeco.hdf5.global.hdf5.H5Aopen;
import static org.bytedeco.hdf5.global.hdf5.H5Aread;
import static org.bytedeco.hdf5.global.hdf5.H5Awrite;
import static org.bytedeco.hdf5.global.hdf5.H5Dclose;
import static org.bytedeco.hdf5.global.hdf5.H5Dcreate2;
import static org.bytedeco.hdf5.global.hdf5.H5Dopen2;
import static org.bytedeco.hdf5.global.hdf5.H5Dwrite;
import static org.bytedeco.hdf5.global.hdf5.H5F_ACC_RDONLY;
import static org.bytedeco.hdf5.global.hdf5.H5F_ACC_TRUNC;
import static org.bytedeco.hdf5.global.hdf5.H5F_CLOSE_STRONG;
import static org.bytedeco.hdf5.global.hdf5.H5F_SCOPE_LOCAL;
import static org.bytedeco.hdf5.global.hdf5.H5Fclose;
import static org.bytedeco.hdf5.global.hdf5.H5Fcreate;
import static org.bytedeco.hdf5.global.hdf5.H5Fflush;
import static org.bytedeco.hdf5.global.hdf5.H5Fis_accessible;
import static org.bytedeco.hdf5.global.hdf5.H5Fopen;
import static org.bytedeco.hdf5.global.hdf5.H5Lexists;
import static org.bytedeco.hdf5.global.hdf5.H5O_INFO_BASIC;
import static org.bytedeco.hdf5.global.hdf5.H5O_TYPE_DATASET;
import static org.bytedeco.hdf5.global.hdf5.H5Oclose;
import static org.bytedeco.hdf5.global.hdf5.H5Oget_info_by_name3;
import static org.bytedeco.hdf5.global.hdf5.H5Oopen;
import static org.bytedeco.hdf5.global.hdf5.H5Ovisit3;
import static org.bytedeco.hdf5.global.hdf5.H5P_CLS_DATASET_CREATE_ID_g;
import static org.bytedeco.hdf5.global.hdf5.H5P_CLS_FILE_ACCESS_ID_g;
import static org.bytedeco.hdf5.global.hdf5.H5P_CLS_LINK_CREATE_ID_g;
import static org.bytedeco.hdf5.global.hdf5.H5P_DEFAULT;
import static org.bytedeco.hdf5.global.hdf5.H5Pclose;
import static org.bytedeco.hdf5.global.hdf5.H5Pcreate;
import static org.bytedeco.hdf5.global.hdf5.H5Pset_cache;
import static org.bytedeco.hdf5.global.hdf5.H5Pset_chunk;
import static org.bytedeco.hdf5.global.hdf5.H5Pset_create_intermediate_group;
import static org.bytedeco.hdf5.global.hdf5.H5Pset_deflate;
import static org.bytedeco.hdf5.global.hdf5.H5Pset_fclose_degree;
import static org.bytedeco.hdf5.global.hdf5.H5S_SCALAR;
import static org.bytedeco.hdf5.global.hdf5.H5Sclose;
import static org.bytedeco.hdf5.global.hdf5.H5Screate;
import static org.bytedeco.hdf5.global.hdf5.H5Screate_simple;
import static org.bytedeco.hdf5.global.hdf5.H5T_CSET_UTF8;
import static org.bytedeco.hdf5.global.hdf5.H5T_C_S1_g;
import static org.bytedeco.hdf5.global.hdf5.H5T_FLOAT;
import static org.bytedeco.hdf5.global.hdf5.H5T_INTEGER;
import static org.bytedeco.hdf5.global.hdf5.H5T_STRING;
import static org.bytedeco.hdf5.global.hdf5.H5Tclose;
import static org.bytedeco.hdf5.global.hdf5.H5Tcopy;
import static org.bytedeco.hdf5.global.hdf5.H5Tget_class;
import static org.bytedeco.hdf5.global.hdf5.H5Tget_size;
import static org.bytedeco.hdf5.global.hdf5.H5Tis_variable_str;
import static org.bytedeco.hdf5.global.hdf5.H5Tset_cset;
import static org.bytedeco.hdf5.global.hdf5.H5Tset_size;
import static org.bytedeco.hdf5.global.hdf5.H5_INDEX_NAME;
import static org.bytedeco.hdf5.global.hdf5.H5_ITER_NATIVE;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.bytedeco.hdf5.H5O_info2_t;
import org.bytedeco.hdf5.H5O_iterate2_t;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * An HDF5 file opened for reading, or created (truncated) for writing.
 *
 * <p>Names are HDF5 paths: {@code /train/images}, or {@code fc1.weight} at the root (a leading
 * {@code /} is optional). Writing a dataset creates the groups on its path. Attributes hang on
 * a dataset or a group, {@code /} being the root group.
 */
public final class H5File implements AutoCloseable {
    /** The chunk cache of a file opened for reading: enough for large chunks read row range by row range. */
    static final long CHUNK_CACHE_BYTES = 64L << 20;

    private final Path path;
    private final long id;
    private final boolean writable;
    private boolean closed;

    private H5File(Path path, long id, boolean writable) {
        this.path = path;
        this.id = id;
        this.writable = writable;
    }

    /** Opens {@code path} read-only; a missing file, or one that is not HDF5, is an error naming it. */
    public static H5File open(Path path) {
        Hdf5.init();
        if (!Files.exists(path)) {
            throw new Hdf5Exception(path + ": no such file");
        }
        if (!Files.isReadable(path) || Files.isDirectory(path)) {
            throw new Hdf5Exception(path + ": not a readable file");
        }
        synchronized (Hdf5.LOCK) {
            if (H5Fis_accessible(path.toString(), H5P_DEFAULT) <= 0) {
                Hdf5.lastError();
                throw new Hdf5Exception(path + ": not an HDF5 file (no HDF5 signature), or a damaged one");
            }
            long fapl = H5Pcreate(H5P_CLS_FILE_ACCESS_ID_g());
            // 64 MiB of chunk cache with a prime number of slots: a range of rows that spans many
            // compressed chunks is decompressed once, not once per read
            H5Pset_cache(fapl, 0, 10007, CHUNK_CACHE_BYTES, 0.75);
            H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
            long f = H5Fopen(path.toString(), H5F_ACC_RDONLY, fapl);
            H5Pclose(fapl);
            if (f < 0) {
                throw new Hdf5Exception(path + ": cannot open as HDF5" + Hdf5.lastError());
            }
            return new H5File(path, f, false);
        }
    }

    /** Creates {@code path} (replacing any file there) for writing. */
    public static H5File create(Path path) {
        Hdf5.init();
        synchronized (Hdf5.LOCK) {
            long fapl = H5Pcreate(H5P_CLS_FILE_ACCESS_ID_g());
            H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
            long f = H5Fcreate(path.toString(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
            H5Pclose(fapl);
            if (f < 0) {
                throw new Hdf5Exception(path + ": cannot create an HDF5 file" + Hdf5.lastError());
            }
            return new H5File(path, f, true);
        }
    }

    /**
     * Loads the HDF5 library if needed and returns its version, e.g. {@code 1.14.3}.
     *
     * @throws Hdf5Exception when the native library does not load
     */
    public static String libraryVersion() {
        Hdf5.init();
        int[] major = new int[1];
        int[] minor = new int[1];
        int[] release = new int[1];
        synchronized (Hdf5.LOCK) {
            org.bytedeco.hdf5.global.hdf5.H5get_libversion(major, minor, release);
        }
        return major[0] + "." + minor[0] + "." + release[0];
    }

    /** The file's path. */
    public Path path() {
        return path;
    }

    /** Every dataset in the file, by full path ({@code /train/images}), sorted. */
    public List<String> datasets() {
        List<String> names = new ArrayList<>();
        synchronized (Hdf5.LOCK) {
            checkOpen();
            H5O_iterate2_t visitor = new H5O_iterate2_t() {
                @Override
                public int call(long obj, BytePointer name, H5O_info2_t info, Pointer data) {
                    if (info.type() == H5O_TYPE_DATASET) {
                        names.add("/" + name.getString(StandardCharsets.UTF_8));
                    }
                    return 0;
                }
            };
            try {
                if (H5Ovisit3(id, H5_INDEX_NAME, H5_ITER_NATIVE, visitor, null, H5O_INFO_BASIC) < 0) {
                    throw new Hdf5Exception(path + ": cannot list its objects" + Hdf5.lastError());
                }
            } finally {
                visitor.close();
            }
        }
        Collections.sort(names);
        return names;
    }

    /** True when {@code name} is a dataset of this file. */
    public boolean hasDataset(String name) {
        String n = absolute(name);
        synchronized (Hdf5.LOCK) {
            checkOpen();
            if (!linkExists(n)) {
                return false;
            }
            H5O_info2_t info = new H5O_info2_t();
            try {
                int rc = H5Oget_info_by_name3(id, n, info, H5O_INFO_BASIC, H5P_DEFAULT);
                return rc >= 0 && info.type() == H5O_TYPE_DATASET;
            } finally {
                info.close();
            }
        }
    }

    /** Opens dataset {@code name}; a missing one is an error that lists the datasets there are. */
    public H5Array dataset(String name) {
        String n = absolute(name);
        if (!hasDataset(n)) {
            List<String> all = datasets();
            throw new Hdf5Exception(path + ": no dataset '" + n + "'; the file has " + (all.isEmpty() ? "no datasets"
                    : (all.size() <= 40 ? all.toString() : all.subList(0, 40) + " and " + (all.size() - 40) + " more")));
        }
        synchronized (Hdf5.LOCK) {
            long d = H5Dopen2(id, n, H5P_DEFAULT);
            if (d < 0) {
                throw new Hdf5Exception(path + ": cannot open dataset " + n + Hdf5.lastError());
            }
            return new H5Array(this, n, d);
        }
    }

    /**
     * Writes dataset {@code name} of shape {@code dims} from {@code data} (its position onward,
     * little-endian), creating the groups on its path.
     *
     * @param chunk     chunk shape, or null for a contiguous dataset
     * @param gzipLevel 1..9 to compress (needs {@code chunk}), 0 for none
     */
    public void write(String name, ElementType type, long[] dims, ByteBuffer data, long[] chunk, int gzipLevel) {
        String n = absolute(name);
        long elements = 1;
        for (long d : dims) {
            elements = Math.multiplyExact(elements, d);
        }
        long bytes = Math.multiplyExact(elements, type.bytes());
        if (data.remaining() < bytes) {
            throw new IllegalArgumentException(path + ": dataset " + n + " needs " + bytes + " bytes, got " + data.remaining());
        }
        if (gzipLevel != 0 && chunk == null) {
            throw new IllegalArgumentException("gzip needs a chunk shape");
        }
        ByteBuffer direct = data;
        if (!data.isDirect()) {
            direct = ByteBuffer.allocateDirect((int) Math.max(1, bytes));
            direct.put(data.duplicate().limit(data.position() + (int) bytes)).flip();
        }
        synchronized (Hdf5.LOCK) {
            checkWritable();
            long space = dims.length == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(dims.length, dims, (long[]) null);
            long lcpl = H5Pcreate(H5P_CLS_LINK_CREATE_ID_g());
            H5Pset_create_intermediate_group(lcpl, 1);
            long dcpl = H5Pcreate(H5P_CLS_DATASET_CREATE_ID_g());
            if (chunk != null) {
                H5Pset_chunk(dcpl, chunk.length, chunk);
                if (gzipLevel > 0) {
                    H5Pset_deflate(dcpl, gzipLevel);
                }
            }
            long d = H5Dcreate2(id, n, type.nativeType(), space, lcpl, dcpl, H5P_DEFAULT);
            try {
                if (d < 0) {
                    throw new Hdf5Exception(path + ": cannot create dataset " + n + Hdf5.lastError());
                }
                if (elements > 0 && H5Dwrite(d, type.nativeType(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT,
                        new BytePointer(direct.slice(direct.position(), (int) bytes))) < 0) {
                    throw new Hdf5Exception(path + ": writing dataset " + n + " failed" + Hdf5.lastError());
                }
            } finally {
                if (d >= 0) {
                    H5Dclose(d);
                }
                H5Pclose(dcpl);
                H5Pclose(lcpl);
                H5Sclose(space);
            }
        }
    }

    /** Writes a float32 dataset. */
    public void writeFloats(String name, long[] dims, float[] values) {
        ByteBuffer b = ByteBuffer.allocateDirect(Math.max(1, 4 * values.length)).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        write(name, ElementType.FLOAT32, dims, b.limit(4 * values.length), null, 0);
    }

    /** Writes an int64 dataset. */
    public void writeLongs(String name, long[] dims, long[] values) {
        ByteBuffer b = ByteBuffer.allocateDirect(Math.max(1, 8 * values.length)).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        write(name, ElementType.INT64, dims, b.limit(8 * values.length), null, 0);
    }

    /** Writes a float64 dataset. */
    public void writeDoubles(String name, long[] dims, double[] values) {
        ByteBuffer b = ByteBuffer.allocateDirect(Math.max(1, 8 * values.length)).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(values);
        write(name, ElementType.FLOAT64, dims, b.limit(8 * values.length), null, 0);
    }

    // ---- attributes -----------------------------------------------------------------------

    /** Sets a UTF-8 string attribute on {@code object} ({@code /} for the root group). */
    public void setAttribute(String object, String attribute, String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        synchronized (Hdf5.LOCK) {
            long t = H5Tcopy(H5T_C_S1_g());
            H5Tset_size(t, Math.max(1, utf8.length));
            H5Tset_cset(t, H5T_CSET_UTF8);
            BytePointer p = new BytePointer(Math.max(1, utf8.length));
            p.put(utf8, 0, utf8.length);
            try {
                putAttribute(object, attribute, t, p);
            } finally {
                H5Tclose(t);
                p.close();
            }
        }
    }

    /** Sets an int64 attribute. */
    public void setAttribute(String object, String attribute, long value) {
        synchronized (Hdf5.LOCK) {
            LongPointer p = new LongPointer(1).put(value);
            try {
                putAttribute(object, attribute, ElementType.INT64.nativeType(), p);
            } finally {
                p.close();
            }
        }
    }

    /** Sets a float64 attribute. */
    public void setAttribute(String object, String attribute, double value) {
        synchronized (Hdf5.LOCK) {
            DoublePointer p = new DoublePointer(1).put(value);
            try {
                putAttribute(object, attribute, ElementType.FLOAT64.nativeType(), p);
            } finally {
                p.close();
            }
        }
    }

    private void putAttribute(String object, String attribute, long type, Pointer value) {
        checkWritable();
        long obj = openObject(object);
        long space = H5Screate(H5S_SCALAR);
        try {
            if (H5Aexists(obj, attribute) > 0) {
                H5Adelete(obj, attribute);
            }
            long a = H5Acreate2(obj, attribute, type, space, H5P_DEFAULT, H5P_DEFAULT);
            if (a < 0) {
                throw new Hdf5Exception(path + ": cannot create attribute " + attribute + " of " + object + Hdf5.lastError());
            }
            try {
                if (H5Awrite(a, type, value) < 0) {
                    throw new Hdf5Exception(path + ": cannot write attribute " + attribute + " of " + object
                            + Hdf5.lastError());
                }
            } finally {
                H5Aclose(a);
            }
        } finally {
            H5Sclose(space);
            H5Oclose(obj);
        }
    }

    /** A string attribute (fixed- or variable-length), or empty when {@code object} has no such attribute. */
    public Optional<String> stringAttribute(String object, String attribute) {
        synchronized (Hdf5.LOCK) {
            checkOpen();
            if (!objectExists(object)) {
                return Optional.empty();
            }
            long obj = openObject(object);
            try {
                if (H5Aexists(obj, attribute) <= 0) {
                    return Optional.empty();
                }
                long a = H5Aopen(obj, attribute, H5P_DEFAULT);
                long t = H5Aget_type(a);
                try {
                    if (H5Tget_class(t) != H5T_STRING) {
                        throw new Hdf5Exception(path + ": attribute " + attribute + " of " + object + " is not a string");
                    }
                    if (H5Tis_variable_str(t) > 0) {
                        org.bytedeco.javacpp.PointerPointer<BytePointer> pp = new org.bytedeco.javacpp.PointerPointer<>(1);
                        if (H5Aread(a, t, pp) < 0) {
                            throw new Hdf5Exception(path + ": cannot read attribute " + attribute + Hdf5.lastError());
                        }
                        BytePointer s = pp.get(BytePointer.class, 0);
                        return Optional.of(s == null ? "" : s.getString(StandardCharsets.UTF_8));
                    }
                    long size = H5Tget_size(t);
                    BytePointer p = new BytePointer(size + 1);
                    if (H5Aread(a, t, p) < 0) {
                        throw new Hdf5Exception(path + ": cannot read attribute " + attribute + Hdf5.lastError());
                    }
                    byte[] raw = new byte[(int) size];
                    p.get(raw);
                    int len = 0;
                    while (len < raw.length && raw[len] != 0) {
                        len++;
                    }
                    return Optional.of(new String(raw, 0, len, StandardCharsets.UTF_8));
                } finally {
                    H5Tclose(t);
                    H5Aclose(a);
                }
            } finally {
                H5Oclose(obj);
            }
        }
    }

    /** A numeric attribute as a double, or empty when absent. */
    public Optional<Double> numberAttribute(String object, String attribute) {
        synchronized (Hdf5.LOCK) {
            checkOpen();
            if (!objectExists(object)) {
                return Optional.empty();
            }
            long obj = openObject(object);
            try {
                if (H5Aexists(obj, attribute) <= 0) {
                    return Optional.empty();
                }
                long a = H5Aopen(obj, attribute, H5P_DEFAULT);
                long t = H5Aget_type(a);
                try {
                    int cls = H5Tget_class(t);
                    if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
                        throw new Hdf5Exception(path + ": attribute " + attribute + " of " + object + " is not a number");
                    }
                    DoublePointer p = new DoublePointer(1);
                    if (H5Aread(a, ElementType.FLOAT64.nativeType(), p) < 0) {
                        throw new Hdf5Exception(path + ": cannot read attribute " + attribute + Hdf5.lastError());
                    }
                    return Optional.of(p.get());
                } finally {
                    H5Tclose(t);
                    H5Aclose(a);
                }
            } finally {
                H5Oclose(obj);
            }
        }
    }

    /** A numeric attribute as a long (exact for integers), or empty when absent. */
    public Optional<Long> longAttribute(String object, String attribute) {
        synchronized (Hdf5.LOCK) {
            checkOpen();
            if (!objectExists(object)) {
                return Optional.empty();
            }
            long obj = openObject(object);
            try {
                if (H5Aexists(obj, attribute) <= 0) {
                    return Optional.empty();
                }
                long a = H5Aopen(obj, attribute, H5P_DEFAULT);
                long t = H5Aget_type(a);
                try {
                    if (H5Tget_class(t) != H5T_INTEGER) {
                        throw new Hdf5Exception(path + ": attribute " + attribute + " of " + object + " is not an integer");
                    }
                    LongPointer p = new LongPointer(1);
                    if (H5Aread(a, ElementType.INT64.nativeType(), p) < 0) {
                        throw new Hdf5Exception(path + ": cannot read attribute " + attribute + Hdf5.lastError());
                    }
                    return Optional.of(p.get());
                } finally {
                    H5Tclose(t);
                    H5Aclose(a);
                }
            } finally {
                H5Oclose(obj);
            }
        }
    }

    // ---- helpers ----------------------------------------------------------------------------

    private boolean objectExists(String object) {
        String n = absolute(object);
        return n.equals("/") || linkExists(n);
    }

    private long openObject(String object) {
        String n = absolute(object);
        long obj = H5Oopen(id, n, H5P_DEFAULT);
        if (obj < 0) {
            throw new Hdf5Exception(path + ": no object " + n + Hdf5.lastError());
        }
        return obj;
    }

    /** Every link on the path exists (H5Lexists fails on a missing intermediate group). */
    private boolean linkExists(String absoluteName) {
        StringBuilder prefix = new StringBuilder();
        for (String part : absoluteName.substring(1).split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            prefix.append('/').append(part);
            if (H5Lexists(id, prefix.toString(), H5P_DEFAULT) <= 0) {
                Hdf5.lastError();
                return false;
            }
        }
        return true;
    }

    private static String absolute(String name) {
        return name.startsWith("/") ? name : "/" + name;
    }

    void checkOpen() {
        if (closed) {
            throw new Hdf5Exception(path + " is closed");
        }
    }

    private void checkWritable() {
        checkOpen();
        if (!writable) {
            throw new Hdf5Exception(path + " is open for reading only");
        }
    }

    /** Writes what is buffered to the file (the checkpoint writer fsyncs after closing). */
    public void flush() {
        synchronized (Hdf5.LOCK) {
            checkOpen();
            if (H5Fflush(id, H5F_SCOPE_LOCAL) < 0) {
                throw new Hdf5Exception(path + ": flush failed" + Hdf5.lastError());
            }
        }
    }

    @Override
    public void close() {
        synchronized (Hdf5.LOCK) {
            if (closed) {
                return;
            }
            closed = true;
            if (H5Fclose(id) < 0) {
                throw new Hdf5Exception(path + ": closing failed (data may not be on disk)" + Hdf5.lastError());
            }
        }
    }
}
