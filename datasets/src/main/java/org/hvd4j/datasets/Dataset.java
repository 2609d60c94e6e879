package org.hvd4j.datasets;

/**
 * A finite, indexed collection of labelled samples for classification: sample {@code i} has
 * {@link #featureSize()} float features (row-major in {@link #featureShape()}) and an integer
 * label in {@code [0, numClasses())}.
 *
 * <p>Implementations must allow concurrent reads ({@link #copyFeatures}, {@link #label}) from the
 * {@link DataLoader}'s prefetch thread while the training thread does something else.
 */
public interface Dataset {
    /** @return the number of samples */
    int size();

    /** @return the shape of one sample's features, e.g. {@code {1, 28, 28}}; a fresh copy */
    int[] featureShape();

    /** @return the number of floats per sample: the product of {@link #featureShape()} */
    default int featureSize() {
        int n = 1;
        for (int d : featureShape()) {
            n *= d;
        }
        return n;
    }

    /** @return the number of classes; labels lie in {@code [0, numClasses())} */
    int numClasses();

    /**
     * Copies the features of one sample.
     *
     * @param index sample index in {@code [0, size())}
     * @param dst destination array
     * @param dstOffset where in {@code dst} the {@link #featureSize()} floats go
     */
    void copyFeatures(int index, float[] dst, int dstOffset);

    /**
     * @param index sample index in {@code [0, size())}
     * @return its label
     */
    int label(int index);

    /**
     * Copies a mini-batch: features of sample {@code indices[i]} to {@code features} at
     * {@code i * featureSize()} and its label to {@code labels[i]}, for {@code i < count}. Indices
     * may repeat and come in any order. The default copies sample by sample; a data set that reads
     * from a file overrides it to read the whole batch at once.
     */
    default void copyBatch(int[] indices, int count, float[] features, int[] labels) {
        int fs = featureSize();
        for (int i = 0; i < count; i++) {
            labels[i] = label(indices[i]);
            copyFeatures(indices[i], features, i * fs);
        }
    }
}
