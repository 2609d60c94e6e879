package org.hvd4j.datasets.hdf5;

/**
 * How four-dimensional features are laid out in the file. The models take channels first, so
 * {@link #NHWC} features ({@code [N, H, W, C]}, Keras and TensorFlow's order) are transposed to
 * {@code [C, H, W]} per sample as they are decoded.
 */
public enum Layout {
    /** {@code [N, C, H, W]}, PyTorch's order; also what lower ranks are taken as. */
    NCHW,
    /** {@code [N, H, W, C]}, channels last. */
    NHWC;

    /** Parses {@code nchw} or {@code nhwc} (any case). */
    public static Layout parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "nchw" -> NCHW;
            case "nhwc" -> NHWC;
            default -> throw new IllegalArgumentException("--layout must be nchw or nhwc, got '" + s + "'");
        };
    }
}
