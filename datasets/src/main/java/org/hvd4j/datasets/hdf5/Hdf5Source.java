package org.hvd4j.datasets.hdf5;

import java.nio.file.Path;
import org.hvd4j.datasets.DatasetException;

/**
 * Where one split of an HDF5 data set lives: the file, the features' dataset and the labels'
 * dataset (paths inside the file, groups allowed: {@code /train/images}).
 *
 * @param file the HDF5 file
 * @param x the features' dataset, shape {@code [N, ...]}
 * @param y the labels' dataset, shape {@code [N]} or {@code [N, 1]}
 */
public record Hdf5Source(Path file, String x, String y) {
    /** The prefix of an HDF5 data set on the command line: {@code hdf5:PATH}. */
    public static final String PREFIX = "hdf5:";

    /** Whether {@code spec} names an HDF5 file ({@code hdf5:PATH}). */
    public static boolean isHdf5(String spec) {
        return spec != null && spec.startsWith(PREFIX);
    }

    /**
     * Parses {@code hdf5:PATH} with the two dataset names.
     *
     * @throws DatasetException when {@code spec} has no path or a name is missing
     */
    public static Hdf5Source parse(String spec, String x, String y) {
        if (!isHdf5(spec) || spec.length() == PREFIX.length()) {
            throw new DatasetException("expected hdf5:PATH, got '" + spec + "'");
        }
        if (x == null || x.isBlank() || y == null || y.isBlank()) {
            throw new DatasetException(spec + ": name the features and labels inside the file with --x NAME --y NAME"
                    + " (e.g. --x /train/images --y /train/labels)");
        }
        return new Hdf5Source(Path.of(spec.substring(PREFIX.length())), x, y);
    }

    @Override
    public String toString() {
        return PREFIX + file + " (x " + x + ", y " + y + ")";
    }
}
