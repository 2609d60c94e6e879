package org.hvd4j.datasets;

import java.nio.file.Path;
import java.util.Arrays;
import org.hvd4j.datasets.idx.IdxArray;
import org.hvd4j.datasets.idx.IdxReader;

/**
 * A data set held in memory: one {@code float[]} of {@code size * featureSize} features
 * (sample-major, each sample row-major in {@link #featureShape()}) and one {@code int[]} of labels.
 *
 * <p>Immutable after construction as far as this class is concerned; the arrays returned by
 * {@link #features()} and {@link #labels()} are the live storage, shared to avoid copying tens of
 * megabytes, and must not be modified.
 */
public final class InMemoryDataset implements Dataset {
    private final float[] features;
    private final int[] labels;
    private final int[] featureShape;
    private final int featureSize;
    private final int numClasses;

    /**
     * @param features {@code labels.length * product(featureShape)} floats; kept, not copied
     * @param labels one label per sample, each in {@code [0, numClasses)}; kept, not copied
     * @param featureShape shape of one sample, e.g. {@code {1, 28, 28}}
     * @param numClasses number of classes, at least 1
     * @throws IllegalArgumentException if the sizes disagree or a label is out of range
     */
    public InMemoryDataset(float[] features, int[] labels, int[] featureShape, int numClasses) {
        int fs = 1;
        for (int d : featureShape) {
            if (d <= 0) {
                throw new IllegalArgumentException("bad feature shape " + Arrays.toString(featureShape));
            }
            fs = Math.multiplyExact(fs, d);
        }
        if ((long) fs * labels.length != features.length) {
            throw new IllegalArgumentException(labels.length + " samples of shape "
                    + Arrays.toString(featureShape) + " need " + (long) fs * labels.length
                    + " features, got " + features.length);
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        }
        int bad = firstLabelOutOfRange(labels, numClasses);
        if (bad >= 0) {
            throw new IllegalArgumentException("label " + labels[bad] + " at index " + bad
                    + " is outside 0.." + (numClasses - 1));
        }
        this.features = features;
        this.labels = labels;
        this.featureShape = featureShape.clone();
        this.featureSize = fs;
        this.numClasses = numClasses;
    }

    /**
     * Reads an IDX image file and its IDX label file (raw or gzip) and normalises the pixels.
     *
     * @param imagesFile images, magic {@code 0x00000803}
     * @param labelsFile labels, magic {@code 0x00000801}, same count as the images
     * @param numClasses number of classes; every label must be below it
     * @param norm pixel normalisation
     * @return the data set, feature shape {@code {1, rows, cols}}
     * @throws DatasetException if a file is missing or malformed, the counts differ, or a label is
     *     out of range; the message names the file
     */
    public static InMemoryDataset fromIdx(Path imagesFile, Path labelsFile, int numClasses, Normalization norm) {
        IdxArray images = IdxReader.readImages(imagesFile);
        IdxArray labels = IdxReader.readLabels(labelsFile);
        return fromIdx(images, imagesFile, labels, labelsFile, numClasses, norm);
    }

    /** {@link #fromIdx(Path, Path, int, Normalization)} on arrays already read. */
    static InMemoryDataset fromIdx(IdxArray images, Path imagesFile, IdxArray labels, Path labelsFile,
            int numClasses, Normalization norm) {
        if (images.count() != labels.count()) {
            throw new DatasetException("count mismatch: " + imagesFile + " has " + images.count()
                    + " images but " + labelsFile + " has " + labels.count() + " labels");
        }
        int[] lab = new int[labels.count()];
        for (int i = 0; i < lab.length; i++) {
            lab[i] = labels.unsigned(i);
        }
        int bad = firstLabelOutOfRange(lab, numClasses);
        if (bad >= 0) {
            throw new DatasetException(labelsFile + ": label " + lab[bad] + " at index " + bad
                    + " is outside 0.." + (numClasses - 1));
        }
        int[] shape = {1, images.dim(1), images.dim(2)};
        return new InMemoryDataset(normalize(images.data(), norm), lab, shape, numClasses);
    }

    /**
     * Normalises 8-bit pixels with a 256-entry table (one lookup per pixel instead of a divide).
     *
     * @param pixels unsigned bytes
     * @param norm the normalisation
     * @return one float per pixel
     */
    public static float[] normalize(byte[] pixels, Normalization norm) {
        float[] table = norm.table();
        float[] out = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            out[i] = table[pixels[i] & 0xFF];
        }
        return out;
    }

    private static int firstLabelOutOfRange(int[] labels, int numClasses) {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                return i;
            }
        }
        return -1;
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
    public void copyFeatures(int index, float[] dst, int dstOffset) {
        System.arraycopy(features, index * featureSize, dst, dstOffset, featureSize);
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    /** @return the live feature storage, {@code size() * featureSize()} floats; do not modify */
    public float[] features() {
        return features;
    }

    /** @return the live label storage; do not modify */
    public int[] labels() {
        return labels;
    }

    /** @return how many samples carry each label, indexed by label */
    public int[] classCounts() {
        int[] c = new int[numClasses];
        for (int l : labels) {
            c[l]++;
        }
        return c;
    }
}
