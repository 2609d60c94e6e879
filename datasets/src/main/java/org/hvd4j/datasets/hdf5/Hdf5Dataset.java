package org.hvd4j.datasets.hdf5;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Locale;
import org.hvd4j.datasets.Dataset;
import org.hvd4j.datasets.DatasetException;
import org.hvd4j.hdf5.ElementType;
import org.hvd4j.hdf5.H5Array;
import org.hvd4j.hdf5.H5File;
import org.hvd4j.hdf5.Hdf5Exception;

/**
 * One split of an HDF5 data set: features {@code x} of shape {@code [N, ...]} and labels {@code y}
 * of shape {@code [N]} or {@code [N, 1]}.
 *
 * <p>Feature shapes: {@code [N, F]} gives samples {@code [F]}; {@code [N, H, W]} gives
 * {@code [1, H, W]}; {@code [N, C, H, W]} is taken as it is, or, with {@link Layout#NHWC}, read as
 * {@code [N, H, W, C]} and transposed to {@code [C, H, W]}. Feature types: uint8, int8, int16,
 * uint16, float32, float64 (wider integers would not survive float32 and are refused). Label
 * types: any integer type, values in {@code [0, numClasses)}.
 *
 * <p>Memory: when {@code N * F * 4} bytes fit the budget the features are decoded into memory when
 * opened, a block of rows at a time; otherwise they stay in the file: a plain contiguous dataset
 * of uint8 or little-endian float32 is mapped ({@link MappedRows}), anything else has a
 * mini-batch's rows read in ascending order, a run of consecutive rows per HDF5 read
 * ({@link #copyBatch}). Labels
 * are always held. Reads are safe from several threads (the streamed path reads one at a time).
 */
public final class Hdf5Dataset implements Dataset, AutoCloseable {
    /** Raw bytes per block when a held data set is read in. */
    private static final int LOAD_BLOCK_BYTES = 8 << 20;

    private final Hdf5Source source;
    private final H5File file;
    private final H5Array x;
    private final ElementType stored;
    private final FeatureDecoder decoder;
    private final int[] labels;
    private final int[] featureShape;
    private final int featureSize;
    private final int numClasses;
    private final float[] held;
    /** Streamed from a plain contiguous dataset: its rows mapped, else null (HDF5 reads them). */
    private final MappedRows mapped;
    private final Layout layout;
    private final FeatureNormalization norm;

    // streamed reads: one staging buffer, grown to the largest batch, used under this object's lock
    private ByteBuffer staging;
    private FloatBuffer stagingFloats;
    private long[] sortedRows = new long[0];
    private int[] order = new int[0];

    private Hdf5Dataset(Hdf5Source source, H5File file, H5Array x, int[] labels, int[] featureShape,
            int numClasses, Layout layout, FeatureNormalization norm, boolean hold) {
        this.source = source;
        this.file = file;
        this.x = x;
        this.stored = x.type();
        this.labels = labels;
        this.featureShape = featureShape;
        this.numClasses = numClasses;
        this.layout = layout;
        this.norm = norm;
        this.featureSize = product(featureShape);
        long[] dims = x.dims();
        this.decoder = new FeatureDecoder(stored, norm, layout, Arrays.copyOfRange(dims, 1, dims.length));
        this.held = hold ? load() : null;
        this.mapped = !hold && x.rawOffset() >= 0 && decoder.readAs() == stored
                ? new MappedRows(source.file(), x.rawOffset(), dims[0], decoder.rowBytes()) : null;
    }

    /**
     * Opens {@code source} and checks it: shapes, types, equal lengths, labels in range.
     *
     * @param numClasses the model's classes; every label must be below it
     * @param memoryBudget bytes of decoded features this data set may hold in memory; above, it streams
     * @throws DatasetException naming the file and the dataset for a missing file, a file that is
     *     not HDF5, a missing dataset (with the names that exist), mismatched lengths, an
     *     unsupported type or shape, or a label out of range
     */
    public static Hdf5Dataset open(Hdf5Source source, Layout layout, FeatureNormalization norm, int numClasses,
            long memoryBudget) {
        H5File file = null;
        H5Array x = null;
        try {
            file = H5File.open(source.file());
            x = file.dataset(source.x());
            int[] shape = featureShape(x, layout);
            int n = Math.toIntExact(x.dims()[0]);
            int[] labels = readLabels(file, source, n, numClasses);
            long bytes = 4L * n * product(shape);
            boolean hold = bytes <= memoryBudget && bytes / 4 <= Integer.MAX_VALUE - 8;
            return new Hdf5Dataset(source, file, x, labels, shape, numClasses, layout, norm, hold);
        } catch (Hdf5Exception | ArithmeticException e) {
            closeQuietly(x, file);
            throw new DatasetException(e instanceof Hdf5Exception ? e.getMessage()
                    : source.file() + ": dataset " + source.x() + " is too large to index with int", e);
        } catch (RuntimeException e) {
            closeQuietly(x, file);
            throw e;
        }
    }

    private static void closeQuietly(H5Array x, H5File file) {
        try {
            if (x != null) {
                x.close();
            }
        } finally {
            if (file != null) {
                file.close();
            }
        }
    }

    private static int product(int[] shape) {
        int p = 1;
        for (int d : shape) {
            p = Math.multiplyExact(p, d);
        }
        return p;
    }

    /** One sample's shape as the model sees it, after checking the type and rank. */
    private static int[] featureShape(H5Array x, Layout layout) {
        ElementType t = x.type();
        if (t == null || t == ElementType.INT32 || t == ElementType.UINT32 || t == ElementType.INT64
                || t == ElementType.UINT64) {
            throw new DatasetException(where(x) + " holds " + x.typeDescription() + ", an unsupported feature type;"
                    + " features must be uint8, int8, int16, uint16, float32 or float64 (convert wider integers to"
                    + " float32 when writing the file)");
        }
        long[] d = x.dims();
        if (d.length < 2) {
            throw new DatasetException(where(x) + " has rank " + d.length + "; features need one row per sample,"
                    + " [N, ...] with at least two dimensions");
        }
        if (d[0] == 0) {
            throw new DatasetException(where(x) + " has no samples");
        }
        if (layout == Layout.NHWC && d.length != 4) {
            throw new DatasetException(where(x) + ": --layout nhwc needs features [N, H, W, C], this has rank "
                    + d.length);
        }
        int[] s;
        if (layout == Layout.NHWC) {
            s = new int[] {Math.toIntExact(d[3]), Math.toIntExact(d[1]), Math.toIntExact(d[2])};
        } else if (d.length == 3) {
            s = new int[] {1, Math.toIntExact(d[1]), Math.toIntExact(d[2])};
        } else {
            s = new int[d.length - 1];
            for (int i = 1; i < d.length; i++) {
                s[i - 1] = Math.toIntExact(d[i]);
            }
        }
        product(s);
        return s;
    }

    private static String where(H5Array a) {
        return a.file().path() + ": dataset " + a.name() + " " + Arrays.toString(a.dims());
    }

    private static int[] readLabels(H5File file, Hdf5Source source, int n, int numClasses) {
        try (H5Array y = file.dataset(source.y())) {
            ElementType t = y.type();
            if (t == null || t.isFloating()) {
                throw new DatasetException(where(y) + " holds " + y.typeDescription() + "; labels must be"
                        + " integers (int64, int32, uint8, ...) holding class indices");
            }
            long[] d = y.dims();
            if (!(d.length == 1 || (d.length == 2 && d[1] == 1))) {
                throw new DatasetException(where(y) + ": labels must have shape [N] or [N, 1]");
            }
            if (d[0] != n) {
                throw new DatasetException(source.file() + ": features " + source.x() + " have " + n
                        + " samples but labels " + y.name() + " have " + d[0]);
            }
            int[] out = new int[n];
            int block = 1 << 20;
            ByteBuffer b = ByteBuffer.allocateDirect(8 * Math.min(block, n)).order(ByteOrder.nativeOrder());
            for (int first = 0; first < n; first += block) {
                int count = Math.min(block, n - first);
                b.clear();
                y.readRows(first, count, ElementType.INT64, b);
                for (int i = 0; i < count; i++) {
                    long v = b.getLong(8 * i);
                    if (v < 0 || v >= numClasses) {
                        throw new DatasetException(where(y) + ": label " + v + " at index " + (first + i)
                                + " is outside 0.." + (numClasses - 1) + " (the model has " + numClasses + " classes)");
                    }
                    out[first + i] = (int) v;
                }
            }
            return out;
        }
    }

    private float[] load() {
        int n = labels.length;
        float[] out = new float[Math.multiplyExact(n, featureSize)];
        int rowBytes = decoder.rowBytes();
        int block = Math.max(1, Math.min(n, LOAD_BLOCK_BYTES / Math.max(1, rowBytes)));
        ByteBuffer b = ByteBuffer.allocateDirect(Math.multiplyExact(block, rowBytes)).order(ByteOrder.nativeOrder());
        FloatBuffer f = b.asFloatBuffer();
        for (int first = 0; first < n; first += block) {
            int count = Math.min(block, n - first);
            b.clear();
            x.readRows(first, count, decoder.readAs(), b);
            for (int i = 0; i < count; i++) {
                decoder.decode(b, f, i, out, (first + i) * featureSize);
            }
        }
        return out;
    }

    /** Whether the features are held in memory (true) or read from the file per batch. */
    public boolean inMemory() {
        return held != null;
    }

    /** The file and dataset names. */
    public Hdf5Source source() {
        return source;
    }

    /** One line for the run's log: file, names, shapes, types, layout, normalisation, memory. */
    public String describe() {
        long[] d = x.dims();
        long[] chunk = x.chunk();
        return String.format(Locale.ROOT, "%s x %s %s %s%s, y %s: %d samples of %s (%s layout, %s), %s",
                source.file(), source.x(), Arrays.toString(d), stored.numpyName(),
                chunk == null ? "" : " chunks " + Arrays.toString(chunk), source.y(), labels.length,
                Arrays.toString(featureShape), layout.name().toLowerCase(Locale.ROOT), norm.describe(stored),
                held != null ? String.format(Locale.ROOT, "held in memory (%.1f MiB)", held.length / 262144.0)
                        : mapped != null ? "streamed from the file (mapped)" : "streamed from the file");
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int[] featureShape() {
        return featureShape.clone();
    }

    @Override
    public int featureSize() {
        return featureSize;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public void copyFeatures(int index, float[] dst, int dstOffset) {
        if (held != null) {
            System.arraycopy(held, index * featureSize, dst, dstOffset, featureSize);
            return;
        }
        if (mapped != null) {
            mapped.decode(decoder, index, dst, dstOffset);
            return;
        }
        synchronized (this) {
            ensureStaging(1);
            sortedRows[0] = index;
            readRuns(sortedRows, 1);
            decoder.decode(staging, stagingFloats, 0, dst, dstOffset);
        }
    }

    /**
     * Streamed: the batch's rows are sorted and deduplicated, read run by run, then decoded into
     * their places in the batch.
     */
    @Override
    public void copyBatch(int[] indices, int count, float[] features, int[] labelsOut) {
        for (int i = 0; i < count; i++) {
            labelsOut[i] = labels[indices[i]];
        }
        if (held != null) {
            for (int i = 0; i < count; i++) {
                System.arraycopy(held, indices[i] * featureSize, features, i * featureSize, featureSize);
            }
            return;
        }
        if (mapped != null) {
            for (int i = 0; i < count; i++) {
                mapped.decode(decoder, indices[i], features, i * featureSize);
            }
            return;
        }
        synchronized (this) {
            ensureStaging(count); // staging for up to count rows, keys and order for count positions
            // sort positions by sample index (packed: index in the high bits, position in the low),
            // then keep each index once at the front of the same array: position i of the batch
            // decodes row order[i] of what is read
            long[] keys = sortedRows;
            for (int i = 0; i < count; i++) {
                keys[i] = ((long) indices[i] << 32) | i;
            }
            Arrays.sort(keys, 0, count);
            int unique = 0;
            for (int i = 0; i < count; i++) {
                long k = keys[i]; // read before the slot may be overwritten below
                long idx = k >>> 32;
                if (unique == 0 || keys[unique - 1] != idx) {
                    keys[unique++] = idx;
                }
                order[(int) k] = unique - 1;
            }
            readRuns(keys, unique);
            for (int i = 0; i < count; i++) {
                decoder.decode(staging, stagingFloats, order[i], features, i * featureSize);
            }
        }
    }

    /**
     * Reads ascending distinct {@code rows} into the staging buffer, one HDF5 read per run of
     * consecutive rows inside one chunk. Measured on Fashion-MNIST (README): one read of the
     * batch's joined selection ran at 30k samples/s on a chunked+gzip file, single-chunk reads at
     * 500k (they are served by the chunk cache); on a contiguous file both ran at ~110k.
     */
    private void readRuns(long[] rows, int n) {
        long chunkRows = chunkRows();
        int rowBytes = decoder.rowBytes();
        try {
            for (int i = 0; i < n; ) {
                int j = i + 1;
                while (j < n && rows[j] == rows[j - 1] + 1 && rows[j] / chunkRows == rows[i] / chunkRows) {
                    j++;
                }
                staging.clear().position(i * rowBytes);
                x.readRows(rows[i], j - i, decoder.readAs(), staging);
                i = j;
            }
        } catch (Hdf5Exception e) {
            // a file changed or damaged under the job: a data error like any other
            throw new DatasetException(e.getMessage(), e);
        }
    }

    private long chunkRows() {
        long[] c = x.chunk();
        return c == null ? Long.MAX_VALUE : c[0];
    }

    private void ensureStaging(int rows) {
        if (order.length < rows) {
            order = new int[rows];
            sortedRows = new long[rows];
        }
        long bytes = (long) rows * decoder.rowBytes();
        if (staging == null || staging.capacity() < bytes) {
            staging = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
            stagingFloats = staging.asFloatBuffer();
        }
    }

    /** Closes the file (a mapping, if any, goes when it is garbage-collected, as Java's mappings do). */
    @Override
    public void close() {
        closeQuietly(x, file);
    }
}
