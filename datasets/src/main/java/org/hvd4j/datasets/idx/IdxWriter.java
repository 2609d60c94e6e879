package org.hvd4j.datasets.idx;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.hvd4j.datasets.DatasetException;

/**
 * Writes unsigned-byte IDX files, raw or gzip-compressed; the inverse of {@link IdxReader}. Used
 * to make small synthetic data sets (tests, smoke runs) in the same format as MNIST.
 */
public final class IdxWriter {
    private IdxWriter() {}

    /**
     * Writes {@code array} to {@code file}, replacing it.
     *
     * @param file destination
     * @param array what to write
     * @param gzip whether to gzip-compress the file
     * @throws DatasetException if the file cannot be written
     */
    public static void write(Path file, IdxArray array, boolean gzip) {
        try (OutputStream os = Files.newOutputStream(file);
                OutputStream maybeGz = gzip ? new GZIPOutputStream(os, 1 << 16) : os;
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(maybeGz, 1 << 16))) {
            out.writeInt(array.magic());
            for (int i = 0; i < array.rank(); i++) {
                out.writeInt(array.dim(i));
            }
            out.write(array.data());
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot write: " + e, e);
        }
    }
}
