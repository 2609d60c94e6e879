package org.hvd4j.datasets;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hvd4j.datasets.idx.IdxArray;
import org.hvd4j.datasets.idx.IdxReader;

/**
 * Where {@link FashionMnist#load} looks for the data, with every place replaceable (tests point it
 * at temporary directories and a local HTTP server).
 *
 * <p>In a directory, each of the four files may be present under its plain name or with
 * {@code .gz}; compression is detected from the content. A directory counts only if it holds all
 * four. Downloads fetch only the files the home directory lacks.
 *
 * <p>Checksums are verified for downloads only: files found on disk may legitimately differ from
 * the mirror's bytes (the Debian package recompresses them). Their structure is always checked:
 * magic numbers, 28x28 images, 60,000 / 10,000 samples, matching label counts, labels 0..9.
 * A directory that holds the files but fails these checks is an error, not skipped: silently
 * falling through to another copy would hide the broken one.
 */
public final class FashionMnistLocator {
    /** The canonical mirror of the four {@code .gz} files. */
    public static final URI DEFAULT_MIRROR = URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/");
    /** Where the Debian package {@code dataset-fashion-mnist} installs the files. */
    public static final Path SYSTEM_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    private Path homeDir = Path.of(System.getProperty("user.home"), ".hvd4j", "data", "fashion-mnist");
    private Path systemDir = SYSTEM_DIR;
    private URI mirror = DEFAULT_MIRROR;
    private Map<String, String> md5 = FashionMnist.OFFICIAL_MD5;
    private int trainSize = FashionMnist.TRAIN_SIZE;
    private int testSize = FashionMnist.TEST_SIZE;
    private int side = FashionMnist.SIDE;
    private Normalization norm = Normalization.FASHION_MNIST;

    /** A locator with the defaults {@link FashionMnist#load} uses. */
    public FashionMnistLocator() {}

    /**
     * @param dir the per-user directory, searched first and downloaded into;
     *     default {@code ~/.hvd4j/data/fashion-mnist}
     * @return this
     */
    public FashionMnistLocator homeDir(Path dir) {
        this.homeDir = dir;
        return this;
    }

    /**
     * @param dir the system-wide directory searched second; default {@link #SYSTEM_DIR}
     * @return this
     */
    public FashionMnistLocator systemDir(Path dir) {
        this.systemDir = dir;
        return this;
    }

    /**
     * @param base URL the four {@code <name>.gz} files are resolved against;
     *     default {@link #DEFAULT_MIRROR}
     * @return this
     */
    public FashionMnistLocator mirror(URI base) {
        this.mirror = base.toString().endsWith("/") ? base : URI.create(base + "/");
        return this;
    }

    /**
     * @param checksums MD5 per file name without {@code .gz}; default {@link FashionMnist#OFFICIAL_MD5}
     * @return this
     */
    public FashionMnistLocator checksums(Map<String, String> checksums) {
        this.md5 = Map.copyOf(checksums);
        return this;
    }

    /**
     * Changes the structure the files must have (for small synthetic stand-ins in tests).
     *
     * @param train training samples expected
     * @param test test samples expected
     * @param imageSide image height and width expected
     * @return this
     */
    public FashionMnistLocator expect(int train, int test, int imageSide) {
        this.trainSize = train;
        this.testSize = test;
        this.side = imageSide;
        return this;
    }

    /**
     * @param normalization pixel normalisation; default {@link Normalization#FASHION_MNIST}
     * @return this
     */
    public FashionMnistLocator normalization(Normalization normalization) {
        this.norm = normalization;
        return this;
    }

    /** @return the per-user directory */
    public Path homeDir() {
        return homeDir;
    }

    /**
     * Searches, reads and validates; see {@link FashionMnist#load} for the order.
     *
     * @param dataDirOrNull explicit directory (only it is searched), or null
     * @param allowDownload whether the last resort, downloading, may be used
     * @param log progress and the chosen source; null for silence
     * @return the data set
     * @throws DatasetException if not found, not downloadable, or malformed
     */
    public FashionMnist load(Path dataDirOrNull, boolean allowDownload, PrintStream log) {
        if (dataDirOrNull != null) {
            Map<String, Path> found = find(dataDirOrNull);
            List<String> missing = missing(found);
            if (!missing.isEmpty()) {
                throw new DatasetException("Fashion-MNIST: data directory " + dataDirOrNull
                        + (Files.isDirectory(dataDirOrNull) ? " (--data-dir) is missing " + String.join(", ", missing)
                                : " (--data-dir) does not exist")
                        + ".\n" + howToGet(dataDirOrNull));
            }
            return read(found, dataDirOrNull, log);
        }
        List<String> tried = new ArrayList<>();
        for (Path dir : List.of(homeDir, systemDir)) {
            Map<String, Path> found = find(dir);
            List<String> missing = missing(found);
            if (missing.isEmpty()) {
                return read(found, dir, log);
            }
            tried.add(dir + ": " + (Files.isDirectory(dir) ? "missing " + String.join(", ", missing)
                    : "does not exist"));
        }
        if (!allowDownload) {
            tried.add("download from " + mirror + ": not allowed (downloading is disabled)");
            throw notFound(tried);
        }
        try {
            Map<String, Path> found = find(homeDir);
            for (String name : FashionMnist.FILES) {
                if (found.get(name) == null) {
                    String sum = md5.get(name);
                    if (sum == null) {
                        throw new DatasetException("no MD5 checksum configured for " + name + ".gz");
                    }
                    Downloader.download(mirror.resolve(name + ".gz"), homeDir.resolve(name + ".gz"), sum, log);
                }
            }
        } catch (DatasetException e) {
            tried.add("download from " + mirror + " into " + homeDir + ": " + e.getMessage());
            throw notFound(tried);
        }
        return read(find(homeDir), homeDir, log);
    }

    /** @return each file name mapped to its path in {@code dir} (see {@link #file}), or to null */
    private static Map<String, Path> find(Path dir) {
        Map<String, Path> found = new LinkedHashMap<>();
        for (String name : FashionMnist.FILES) {
            found.put(name, file(dir, name));
        }
        return found;
    }

    /**
     * @param name one of {@link FashionMnist#FILES}
     * @return {@code dir/name} if it is a file, else {@code dir/name.gz} if that is, else null
     */
    public static Path file(Path dir, String name) {
        Path plain = dir.resolve(name);
        Path gz = dir.resolve(name + ".gz");
        return Files.isRegularFile(plain) ? plain : Files.isRegularFile(gz) ? gz : null;
    }

    private static List<String> missing(Map<String, Path> found) {
        List<String> m = new ArrayList<>();
        found.forEach((name, p) -> {
            if (p == null) {
                m.add(name + "[.gz]");
            }
        });
        return m;
    }

    private FashionMnist read(Map<String, Path> f, Path dir, PrintStream log) {
        InMemoryDataset train = split(f.get(FashionMnist.TRAIN_IMAGES), f.get(FashionMnist.TRAIN_LABELS),
                trainSize, "training");
        InMemoryDataset test = split(f.get(FashionMnist.TEST_IMAGES), f.get(FashionMnist.TEST_LABELS),
                testSize, "test");
        if (log != null) {
            log.println("Fashion-MNIST: " + dir + " (train " + train.size() + ", test " + test.size() + ")");
        }
        return new FashionMnist(train, test, dir);
    }

    private InMemoryDataset split(Path imagesFile, Path labelsFile, int expected, String what) {
        IdxArray images = IdxReader.readImages(imagesFile);
        if (images.dim(1) != side || images.dim(2) != side) {
            throw new DatasetException(imagesFile + ": images are " + images.dim(1) + "x" + images.dim(2)
                    + ", Fashion-MNIST images are " + side + "x" + side);
        }
        IdxArray labels = IdxReader.readLabels(labelsFile);
        InMemoryDataset ds = InMemoryDataset.fromIdx(images, imagesFile, labels, labelsFile,
                FashionMnist.NUM_CLASSES, norm);
        if (ds.size() != expected) {
            throw new DatasetException(imagesFile + ": has " + ds.size() + " images, the Fashion-MNIST "
                    + what + " set has " + expected + "; the file is not Fashion-MNIST or is incomplete");
        }
        return ds;
    }

    private DatasetException notFound(List<String> tried) {
        StringBuilder sb = new StringBuilder("Fashion-MNIST not found. Tried:\n");
        for (int i = 0; i < tried.size(); i++) {
            sb.append("  ").append(i + 1).append(". ").append(tried.get(i)).append('\n');
        }
        return new DatasetException(sb.append(howToGet(null)).toString());
    }

    /** @param explicitDir the --data-dir that lacked the files, or null after a default search */
    private String howToGet(Path explicitDir) {
        StringBuilder sb = new StringBuilder("To get the files, either:\n");
        sb.append("  - on Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist   (installs ")
                .append(SYSTEM_DIR).append(")\n");
        sb.append("  - or download these four files into ").append(explicitDir != null ? explicitDir : homeDir)
                .append(":\n");
        for (String name : FashionMnist.FILES) {
            sb.append("      ").append(mirror.resolve(name + ".gz")).append('\n');
        }
        sb.append(explicitDir != null ? "  - or omit --data-dir to search " + homeDir + " and " + systemDir
                + " (and download if allowed)"
                : "  - or pass --data-dir DIR naming a directory that holds them (raw or .gz)");
        return sb.toString();
    }
}
