package org.hvd4j.tensor;

/**
 * Geometry of 2-D pooling over planes of {@code height × width} with a {@code kh × kw} window,
 * stride and zero padding: {@code OH = (H + 2·ph - kh) / sh + 1} (floor mode, as PyTorch's default).
 */
public record PoolGeometry(int height, int width, int kh, int kw, int sh, int sw, int ph, int pw) {

    public PoolGeometry {
        if (kh <= 0 || kw <= 0 || sh <= 0 || sw <= 0 || ph < 0 || pw < 0) {
            throw new IllegalArgumentException("bad pooling geometry " + this);
        }
        if (ph > kh / 2 || pw > kw / 2) {
            throw new IllegalArgumentException("pool padding must be at most half the kernel size: " + this);
        }
        if (height + 2 * ph < kh || width + 2 * pw < kw) {
            throw new IllegalArgumentException("pool window larger than padded input: " + this);
        }
    }

    public int outHeight() {
        return (height + 2 * ph - kh) / sh + 1;
    }

    public int outWidth() {
        return (width + 2 * pw - kw) / sw + 1;
    }

    /** First input row of the window of output row {@code r}, clipped to the image. */
    public int rowStart(int r) {
        return Math.max(0, r * sh - ph);
    }

    /** End (exclusive) of the input rows of the window of output row {@code r}, clipped. */
    public int rowEnd(int r) {
        return Math.min(height, r * sh - ph + kh);
    }

    /** First input column of the window of output column {@code c}, clipped to the image. */
    public int colStart(int c) {
        return Math.max(0, c * sw - pw);
    }

    /** End (exclusive) of the input columns of the window of output column {@code c}, clipped. */
    public int colEnd(int c) {
        return Math.min(width, c * sw - pw + kw);
    }
}
