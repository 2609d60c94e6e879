package org.hvd4j.datasets;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The Fashion-MNIST data set (Zalando, 2017): 28x28 grey-scale images of clothing in 10 classes,
 * 60,000 for training and 10,000 for testing, as normalised {@link InMemoryDataset}s with feature
 * shape {@code {1, 28, 28}}.
 *
 * <p>{@link #load} searches, in order: the explicit data directory if one is given (and nothing
 * else); {@code ~/.hvd4j/data/fashion-mnist}; {@code /usr/share/datasets/fashion-mnist} (Debian
 * package {@code dataset-fashion-mnist}); and finally, if allowed, downloads the four {@code .gz}
 * files from the canonical mirror into {@code ~/.hvd4j/data/fashion-mnist}, verifying their
 * official MD5s. See {@link FashionMnistLocator} for details and for changing any of the places.
 */
public final class FashionMnist {
    /** Training images file name, without {@code .gz} (either form is accepted). */
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    /** Training labels file name, without {@code .gz}. */
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    /** Test images file name, without {@code .gz}. */
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    /** Test labels file name, without {@code .gz}. */
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
    /** The four file names, without {@code .gz}, in the order train images, train labels, test images, test labels. */
    public static final List<String> FILES = List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS);
    /** Official MD5s of the four {@code .gz} files on the mirror, keyed by name without {@code .gz}. */
    public static final Map<String, String> OFFICIAL_MD5 = Map.of(
            TRAIN_IMAGES, "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            TRAIN_LABELS, "25c81989df183df01b3e8a0aad5dffbe",
            TEST_IMAGES, "bef4ecab320f06d8554ea6380940ec79",
            TEST_LABELS, "bb300cfdad3c16e7a12a480ee83cd310");
    /** Training samples. */
    public static final int TRAIN_SIZE = 60_000;
    /** Test samples. */
    public static final int TEST_SIZE = 10_000;
    /** Image height and width. */
    public static final int SIDE = 28;
    /** Number of classes. */
    public static final int NUM_CLASSES = 10;
    /** Class names, indexed by label. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private final InMemoryDataset train;
    private final InMemoryDataset test;
    private final Path source;

    FashionMnist(InMemoryDataset train, InMemoryDataset test, Path source) {
        this.train = train;
        this.test = test;
        this.source = source;
    }

    /**
     * Finds, reads and normalises ({@link Normalization#FASHION_MNIST}) Fashion-MNIST.
     *
     * @param dataDirOrNull a directory that must hold the four files (raw or {@code .gz}); null to
     *     search the default places
     * @param allowDownload whether to download when no default place has the files
     * @param log where to report what was used or downloaded; null for silence
     * @return the training and test sets
     * @throws DatasetException if the files are not found, cannot be downloaded, or are malformed;
     *     the message lists every place tried and how to get the files
     */
    public static FashionMnist load(Path dataDirOrNull, boolean allowDownload, PrintStream log) {
        return new FashionMnistLocator().load(dataDirOrNull, allowDownload, log);
    }

    /** @return the 60,000 training samples */
    public InMemoryDataset train() {
        return train;
    }

    /** @return the 10,000 test samples */
    public InMemoryDataset test() {
        return test;
    }

    /** @return the directory the files were read from */
    public Path source() {
        return source;
    }
}
