package org.hvd4j.examples;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.hvd4j.datasets.Dataset;
import org.hvd4j.datasets.DatasetException;
import org.hvd4j.datasets.FashionMnist;
import org.hvd4j.datasets.hdf5.DataMemory;
import org.hvd4j.datasets.hdf5.Hdf5Dataset;
import org.hvd4j.datasets.hdf5.Hdf5Source;
import org.hvd4j.nn.models.Models;

/**
 * The training and test splits {@code train} runs on: Fashion-MNIST (IDX files) or an HDF5 file
 * ({@code hdf5:PATH} with {@link DataOptions}). Closing it closes the HDF5 files.
 *
 * @param train the training split
 * @param test the test split
 * @param name the data set as given on the command line, for logs and the summary JSON
 */
record TrainingData(Dataset train, Dataset test, String name) implements AutoCloseable {
    /** Inputs of the built-in models: 784 values (1×28×28 for the convolutional ones) and 10 classes. */
    static final int MODEL_INPUTS = 784;
    static final int MODEL_CLASSES = 10;

    /**
     * Loads {@code dataset} ({@code fashion-mnist} or {@code hdf5:PATH}) and checks it fits {@code model}.
     *
     * @throws DatasetException for missing or bad data, naming the file and dataset
     */
    static TrainingData load(String dataset, DataOptions options, TrainConfig cfg, PrintStream out) {
        if (!Hdf5Source.isHdf5(dataset)) {
            FashionMnist data = FashionMnist.load(cfg.dataDir(), cfg.download(), out);
            return new TrainingData(data.train(), data.test(), dataset);
        }
        long budget = options.memoryBudget();
        Hdf5Dataset train = open(options.train(dataset), options, cfg.model(), DataMemory.holdable(budget));
        try {
            long left = train.inMemory() ? budget - bytes(train) : budget;
            Hdf5Dataset test = open(options.test(dataset), options, cfg.model(), DataMemory.holdable(Math.max(0, left)));
            for (Hdf5Dataset d : new Hdf5Dataset[] {train, test}) {
                out.println("data: " + (d == train ? "train " : "test  ") + d.describe());
                if (!d.inMemory() && bytes(d) <= (d == train ? budget : left)) {
                    out.printf(Locale.ROOT, "data: streaming %s although its %.0f MiB fit --data-memory: half the "
                            + "free heap is less (raise -Xmx, e.g. HVD4J_JAVA_OPTS=-Xmx4g, to hold it)%n",
                            d.source().x(), bytes(d) / 1048576.0);
                }
            }
            return new TrainingData(train, test, dataset);
        } catch (RuntimeException e) {
            train.close();
            throw e;
        }
    }

    private static long bytes(Dataset d) {
        return 4L * d.size() * d.featureSize();
    }

    private static Hdf5Dataset open(Hdf5Source src, DataOptions o, String model, long budget) {
        Hdf5Dataset d = Hdf5Dataset.open(src, o.layout(), o.normalization(), MODEL_CLASSES, budget);
        try {
            checkFits(d, model);
            return d;
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
    }

    /** The built-in models take 784 values a sample; the convolutional ones as one 28×28 channel. */
    static void checkFits(Dataset d, String model, Path file, String name) {
        int[] s = d.featureShape();
        boolean images = Models.takesImages(model);
        boolean ok = d.featureSize() == MODEL_INPUTS
                && (!images || s.length == 1 || Arrays.equals(s, new int[] {1, 28, 28}));
        if (!ok) {
            throw new DatasetException(file + ": dataset " + name + " gives samples of shape " + Arrays.toString(s)
                    + " (" + d.featureSize() + " values); model " + model + " takes " + (images ? "[1, 28, 28]"
                    : "784 values ([784], [28, 28] or [1, 28, 28])")
                    + (s.length == 3 && s[2] <= 4 ? "; channels-last data needs --layout nhwc" : ""));
        }
    }

    private static void checkFits(Hdf5Dataset d, String model) {
        checkFits(d, model, d.source().file(), d.source().x());
    }

    @Override
    public void close() {
        for (Dataset d : new Dataset[] {train, test}) {
            if (d instanceof Hdf5Dataset h) {
                h.close();
            }
        }
    }
}
