package org.hvd4j.datasets.hdf5;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.hvd4j.datasets.DatasetException;
import org.hvd4j.datasets.FashionMnist;
import org.hvd4j.datasets.FashionMnistLocator;
import org.hvd4j.datasets.idx.IdxArray;
import org.hvd4j.datasets.idx.IdxReader;
import org.hvd4j.hdf5.ElementType;
import org.hvd4j.hdf5.H5File;

/**
 * Writes Fashion-MNIST's IDX files as one HDF5 file, as {@code scripts/fashion_mnist_to_hdf5.py}
 * does with h5py: {@code /train/images} and {@code /test/images} uint8 {@code [N, 28, 28]},
 * {@code /train/labels} and {@code /test/labels} int64 {@code [N]}. For benchmarks and tests that
 * must not depend on Python.
 */
public final class FashionMnistHdf5 {
    /** The datasets' names, in the order images, labels. */
    public static final String TRAIN_X = "/train/images";
    public static final String TRAIN_Y = "/train/labels";
    public static final String TEST_X = "/test/images";
    public static final String TEST_Y = "/test/labels";

    private FashionMnistHdf5() {
    }

    /**
     * @param idxDir the directory of the four IDX files (raw or gzip)
     * @param out the HDF5 file to write (replaced)
     * @param chunkRows images per chunk, 0 for contiguous datasets
     * @param gzip gzip level 1..9 of chunked datasets, 0 for none
     */
    public static void write(Path idxDir, Path out, int chunkRows, int gzip) {
        try (H5File h = H5File.create(out)) {
            split(h, TRAIN_X, TRAIN_Y, idxDir, FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS, chunkRows, gzip);
            split(h, TEST_X, TEST_Y, idxDir, FashionMnist.TEST_IMAGES, FashionMnist.TEST_LABELS, chunkRows, gzip);
        }
    }

    private static void split(H5File h, String xName, String yName, Path idxDir, String imagesFile,
            String labelsFile, int chunkRows, int gzip) {
        IdxArray images = IdxReader.readImages(locate(idxDir, imagesFile));
        IdxArray labels = IdxReader.readLabels(locate(idxDir, labelsFile));
        int n = images.count();
        ByteBuffer x = ByteBuffer.allocateDirect(images.data().length).put(images.data()).flip();
        ByteBuffer y = ByteBuffer.allocateDirect(8 * n).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            y.putLong(labels.unsigned(i));
        }
        long[] dims = {n, images.dim(1), images.dim(2)};
        h.write(xName, ElementType.UINT8, dims, x,
                chunkRows > 0 ? new long[] {Math.min(chunkRows, n), dims[1], dims[2]} : null, gzip);
        h.write(yName, ElementType.INT64, new long[] {n}, y.flip(), null, 0);
    }

    private static Path locate(Path dir, String name) {
        Path p = FashionMnistLocator.file(dir, name);
        if (p == null) {
            throw new DatasetException(dir + ": no " + name + " or " + name + ".gz (apt-get install dataset-fashion-mnist)");
        }
        return p;
    }
}
