package org.hvd4j.datasets.hdf5;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.hvd4j.datasets.DatasetException;

/**
 * The rows of a contiguous, uncompressed dataset mapped from its file ({@code H5Array.rawOffset()}),
 * in segments of whole rows of at most 1 GiB. A streamed batch then reads rows as memory, with no
 * HDF5 call and no lock: the operating system pages them in and out, so a file larger than memory
 * still streams. On Fashion-MNIST this made streamed training reads several times cheaper than one
 * HDF5 read per row (README, data-bench). Read-only and safe to use from several threads.
 */
final class MappedRows {
    private static final long SEGMENT_BYTES = 1L << 30;

    private final ByteBuffer[] segments;
    private final FloatBuffer[] floats;
    private final int rowsPerSegment;

    MappedRows(Path file, long offset, long rows, int rowBytes) {
        rowsPerSegment = (int) Math.max(1, SEGMENT_BYTES / rowBytes);
        int n = (int) ((rows + rowsPerSegment - 1) / rowsPerSegment);
        segments = new ByteBuffer[n];
        floats = new FloatBuffer[n];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (offset + rows * rowBytes > ch.size()) {
                throw new DatasetException(file + ": the dataset's data ends past the end of the file (truncated?)");
            }
            for (int i = 0; i < n; i++) {
                long first = (long) i * rowsPerSegment;
                long count = Math.min(rowsPerSegment, rows - first);
                segments[i] = ch.map(FileChannel.MapMode.READ_ONLY, offset + first * rowBytes, count * rowBytes)
                        .order(ByteOrder.LITTLE_ENDIAN);
                floats[i] = segments[i].asFloatBuffer();
            }
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot map the dataset's rows: " + e.getMessage(), e);
        }
    }

    /** Decodes {@code row} into {@code dst} at {@code off}. */
    void decode(FeatureDecoder decoder, int row, float[] dst, int off) {
        int s = row / rowsPerSegment;
        decoder.decode(segments[s], floats[s], row - s * rowsPerSegment, dst, off);
    }
}
