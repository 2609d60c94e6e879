package org.hvd4j.examples;

import org.hvd4j.datasets.hdf5.DataMemory;
import org.hvd4j.datasets.hdf5.FeatureNormalization;
import org.hvd4j.datasets.hdf5.Hdf5Source;
import org.hvd4j.datasets.hdf5.Layout;
import picocli.CommandLine.Option;

/** {@code train}'s options for {@code --dataset hdf5:PATH} (a picocli mixin); see {@link TrainingData}. */
public final class DataOptions {
    @Option(names = "--x", paramLabel = "NAME", description = "hdf5: the features' dataset in the file, [N, ...]")
    String x;

    @Option(names = "--y", paramLabel = "NAME", description = "hdf5: the labels' dataset, [N] or [N, 1] integers")
    String y;

    @Option(names = "--test-dataset", paramLabel = "hdf5:PATH",
            description = "hdf5: the test split's file (default: the training file with --test-x/--test-y)")
    String testDataset;

    @Option(names = "--test-x", paramLabel = "NAME", description = "hdf5: the test features (default: --x)")
    String testX;

    @Option(names = "--test-y", paramLabel = "NAME", description = "hdf5: the test labels (default: --y)")
    String testY;

    @Option(names = "--layout", paramLabel = "nchw|nhwc",
            description = "hdf5: order of 4-D features; nhwc ([N,H,W,C]) is transposed to channels first (default: nchw)")
    String layout;

    @Option(names = "--normalize", paramLabel = "SPEC", description = "hdf5: auto (uint8 as the IDX path: "
            + "(x/255-0.2860)/0.3530; other types as stored), none, unit (integers /255), fashion-mnist, mnist or "
            + "MEAN,STD (default: auto)")
    String normalize;

    @Option(names = "--data-memory", paramLabel = "SIZE", description = "hdf5: hold decoded features up to SIZE in "
            + "memory, stream larger ones from the file (default: $" + DataMemory.ENV + " or 1G)")
    String dataMemory;

    /**
     * Checks that the HDF5 options come with an HDF5 data set and that the data set has what it needs.
     *
     * @throws IllegalArgumentException naming the option
     */
    DataOptions validate(String dataset) {
        boolean hdf5 = Hdf5Source.isHdf5(dataset);
        if (!hdf5) {
            String given = x != null ? "--x" : y != null ? "--y" : testDataset != null ? "--test-dataset"
                    : testX != null ? "--test-x" : testY != null ? "--test-y" : layout != null ? "--layout"
                    : normalize != null ? "--normalize" : dataMemory != null ? "--data-memory" : null;
            if (given != null) {
                throw new IllegalArgumentException(given + " applies to --dataset hdf5:PATH, not '" + dataset + "'");
            }
            return this;
        }
        if (x == null || y == null) {
            throw new IllegalArgumentException("--dataset " + dataset + " needs --x NAME and --y NAME, the features'"
                    + " and the labels' datasets in the file (e.g. --x /train/images --y /train/labels)");
        }
        if (testDataset == null && testX == null && testY == null) {
            throw new IllegalArgumentException("--dataset " + dataset + " needs a test split: --test-dataset "
                    + "hdf5:PATH (names default to --x/--y) or --test-x NAME --test-y NAME in the same file");
        }
        if (testDataset != null && !Hdf5Source.isHdf5(testDataset)) {
            throw new IllegalArgumentException("--test-dataset must be hdf5:PATH, got '" + testDataset + "'");
        }
        layout();
        normalization();
        memoryBudget();
        return this;
    }

    Hdf5Source train(String dataset) {
        return Hdf5Source.parse(dataset, x, y);
    }

    Hdf5Source test(String dataset) {
        return Hdf5Source.parse(testDataset != null ? testDataset : dataset, testX != null ? testX : x,
                testY != null ? testY : y);
    }

    Layout layout() {
        return layout == null ? Layout.NCHW : Layout.parse(layout);
    }

    FeatureNormalization normalization() {
        return normalize == null ? FeatureNormalization.AUTO : FeatureNormalization.parse(normalize);
    }

    long memoryBudget() {
        return DataMemory.budget(dataMemory);
    }
}
