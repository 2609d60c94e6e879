package org.hvd4j.tensor;

/**
 * Geometry of one 2-D convolution over an image {@code [channels, height, width]} with a
 * {@code kh × kw} kernel: {@code OH = (H + 2·ph - kh) / sh + 1}, {@code OW = (W + 2·pw - kw) / sw + 1}.
 */
public record ConvGeometry(int channels, int height, int width, int kh, int kw,
                           int sh, int sw, int ph, int pw) {

    public ConvGeometry {
        if (kh <= 0 || kw <= 0 || sh <= 0 || sw <= 0 || ph < 0 || pw < 0) {
            throw new IllegalArgumentException("bad convolution geometry " + this);
        }
        if (height + 2 * ph < kh || width + 2 * pw < kw) {
            throw new IllegalArgumentException("kernel " + kh + "x" + kw + " larger than padded input "
                    + (height + 2 * ph) + "x" + (width + 2 * pw));
        }
    }

    public int outHeight() {
        return (height + 2 * ph - kh) / sh + 1;
    }

    public int outWidth() {
        return (width + 2 * pw - kw) / sw + 1;
    }

    /** Rows of the im2col matrix: {@code channels·kh·kw}. */
    public int colRows() {
        return channels * kh * kw;
    }

    /** Columns of the im2col matrix: {@code OH·OW}. */
    public int colCols() {
        return outHeight() * outWidth();
    }
}
