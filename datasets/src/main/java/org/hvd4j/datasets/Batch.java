package org.hvd4j.datasets;

/**
 * A reusable buffer for one mini-batch: features of up to {@link #capacity()} samples, their
 * labels and their sample indices. Only the first {@link #size()} rows are valid; the last batch
 * of an epoch may be smaller than the capacity, and the rows past it hold stale data.
 *
 * <p>A {@link DataLoader} owns its batches and refills them: a batch handed out by {@link
 * DataLoader.Epoch#next()} is valid until the next call to {@code next()} or {@code close()}.
 * Copy what must outlive that.
 */
public final class Batch {
    private final float[] features;
    private final int[] labels;
    private final int[] indices;
    private final int[] sampleShape;
    private final int featureSize;
    private int size;
    private int index = -1;

    /**
     * @param capacity maximum number of samples, at least 0
     * @param sampleShape shape of one sample's features, e.g. {@code {1, 28, 28}}
     */
    public Batch(int capacity, int[] sampleShape) {
        int fs = 1;
        for (int d : sampleShape) {
            fs = Math.multiplyExact(fs, d);
        }
        this.features = new float[Math.multiplyExact(capacity, fs)];
        this.labels = new int[capacity];
        this.indices = new int[capacity];
        this.sampleShape = sampleShape.clone();
        this.featureSize = fs;
    }

    /** @return the feature buffer: row {@code i} is {@code [i*featureSize(), (i+1)*featureSize())} */
    public float[] features() {
        return features;
    }

    /** @return the label buffer; entries {@code [0, size())} are valid */
    public int[] labels() {
        return labels;
    }

    /** @return the data-set index of each row; entries {@code [0, size())} are valid */
    public int[] indices() {
        return indices;
    }

    /** @return the number of valid rows */
    public int size() {
        return size;
    }

    /** @return the maximum number of rows */
    public int capacity() {
        return labels.length;
    }

    /** @return floats per row */
    public int featureSize() {
        return featureSize;
    }

    /** @return a copy of one sample's feature shape */
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    /** @return the shape of the valid features, {@code {size(), sampleShape()...}} (allocates) */
    public int[] shape() {
        int[] s = new int[sampleShape.length + 1];
        s[0] = size;
        System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
        return s;
    }

    /** @return the position of this batch within its epoch, from 0; -1 before the first fill */
    public int index() {
        return index;
    }

    /**
     * Fills this batch with samples {@code order[from .. from+count)} of {@code dataset}.
     *
     * @param batchIndex position of the batch within the epoch
     */
    void fill(Dataset dataset, int[] order, int from, int count, int batchIndex) {
        if (count > capacity()) {
            throw new IllegalArgumentException("batch of " + count + " exceeds capacity " + capacity());
        }
        System.arraycopy(order, from, indices, 0, count);
        dataset.copyBatch(indices, count, features, labels);
        size = count;
        index = batchIndex;
    }
}
