package org.hvd4j.datasets;

/**
 * How 8-bit pixels become features: {@code ((x / 255) - mean) / std}.
 *
 * @param mean mean of the scaled pixels {@code x / 255} over the training set
 * @param std standard deviation of the scaled pixels over the training set; positive
 */
public record Normalization(float mean, float std) {
    /** Fashion-MNIST training-set statistics, the values used by the usual PyTorch recipes. */
    public static final Normalization FASHION_MNIST = new Normalization(0.2860f, 0.3530f);
    /** MNIST training-set statistics. */
    public static final Normalization MNIST = new Normalization(0.1307f, 0.3081f);
    /** Scale to [0, 1] only. */
    public static final Normalization UNIT = new Normalization(0f, 1f);

    /** @throws IllegalArgumentException if {@code std} is not positive or a value is not finite */
    public Normalization {
        if (!(std > 0) || !Float.isFinite(std) || !Float.isFinite(mean)) {
            throw new IllegalArgumentException("normalization needs finite mean and std > 0, got mean "
                    + mean + " std " + std);
        }
    }

    /**
     * @param pixel an unsigned 8-bit value 0..255
     * @return its normalised feature value
     */
    public float apply(int pixel) {
        return (pixel / 255f - mean) / std;
    }

    /** @return {@link #apply} for every byte value, indexed by the unsigned value */
    float[] table() {
        float[] t = new float[256];
        for (int v = 0; v < 256; v++) {
            t[v] = apply(v);
        }
        return t;
    }
}
