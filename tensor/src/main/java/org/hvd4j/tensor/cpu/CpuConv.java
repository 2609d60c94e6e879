package org.hvd4j.tensor.cpu;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.hvd4j.tensor.ConvGeometry;
import org.hvd4j.tensor.Tensor;

/**
 * im2col / col2im for one image. Row {@code (c, ki, kj)} of the column matrix holds, for every
 * output pixel {@code (oh, ow)}, the input value at {@code (c, oh*sh - ph + ki, ow*sw - pw + kj)}
 * (zero in the padding), so that convolution becomes {@code W[out, C*kh*kw] · cols}.
 *
 * <p>How: the image is first copied into a zero-bordered plane per channel, so that every column
 * entry is a plain strided read with no bounds test; each row of the matrix is built in a small
 * heap array and written with one bulk copy. Measured on the {@code cnn}'s second layer (14×14, 5×5, pad 2),
 * where rows are only 14 wide: building it row by row with fills and small copies took about twice
 * as long as the per-image GEMM it feeds.
 */
final class CpuConv {
    private CpuConv() {
    }

    /** Scratch slots used here: 0 padded planes, 1 one row of the column matrix, 2 image. */
    static void im2col(Tensor xt, int xOffset, ConvGeometry g, Tensor colst, int colsOffset) {
        int size = g.channels() * g.height() * g.width();
        float[] image = Scratch.floats(2, size);
        CpuBackend.f(xt).get(xt.offset() + xOffset, image, 0, size);
        im2colImage(image, g, CpuBackend.f(colst), colst.offset() + colsOffset);
    }

    /** Writes the column matrix of {@code image [C, H, W]} to {@code cols} at element {@code co}. */
    static void im2colImage(float[] image, ConvGeometry g, FloatBuffer cols, int co) {
        int hp = g.height() + 2 * g.ph();
        int wp = g.width() + 2 * g.pw();
        float[] padded = pad(image, g, Scratch.floats(0, g.channels() * hp * wp));
        int oh = g.outHeight();
        int ow = g.outWidth();
        int ohw = oh * ow;
        int rows = g.colRows();
        // one row at a time through a small (cache-resident) array: a whole-matrix heap copy
        // doubled the memory traffic and halved the speed-up from the second thread
        float[] row = Scratch.floats(1, ohw);
        for (int r = 0; r < rows; r++) {
            int kj = r % g.kw();
            int ki = (r / g.kw()) % g.kh();
            int base = (r / (g.kw() * g.kh())) * hp * wp + ki * wp + kj;
            for (int y = 0; y < oh; y++) {
                int src = base + y * g.sh() * wp;
                int dst = y * ow;
                if (g.sw() == 1) {
                    System.arraycopy(padded, src, row, dst, ow);
                } else {
                    for (int x = 0; x < ow; x++) {
                        row[dst + x] = padded[src + x * g.sw()];
                    }
                }
            }
            Scratch.store(row, cols, co + r * ohw, ohw);
        }
    }

    /** Copies {@code image} into the interior of zero-bordered planes {@code [C, H+2ph, W+2pw]}. */
    private static float[] pad(float[] image, ConvGeometry g, float[] padded) {
        int h = g.height();
        int w = g.width();
        int hp = h + 2 * g.ph();
        int wp = w + 2 * g.pw();
        Arrays.fill(padded, 0, g.channels() * hp * wp, 0f);
        for (int c = 0; c < g.channels(); c++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(image, (c * h + y) * w, padded, (c * hp + y + g.ph()) * wp + g.pw(), w);
            }
        }
        return padded;
    }

    static void col2im(Tensor colst, int colsOffset, ConvGeometry g, Tensor xt, int xOffset) {
        col2imImage(CpuBackend.f(colst), colst.offset() + colsOffset, g, CpuBackend.f(xt), xt.offset() + xOffset, true);
    }

    /**
     * Adds (or, when {@code accumulate} is false, writes) the column matrix at {@code co} back into
     * the image {@code [C, H, W]} at {@code xo}: the adjoint of {@link #im2colImage}. Scratch slots
     * 0 (padded planes), 1 (one row of the column matrix) and 2 (image).
     */
    static void col2imImage(FloatBuffer cols, int co, ConvGeometry g, FloatBuffer x, int xo, boolean accumulate) {
        int h = g.height();
        int w = g.width();
        int hp = h + 2 * g.ph();
        int wp = w + 2 * g.pw();
        int oh = g.outHeight();
        int ow = g.outWidth();
        int ohw = oh * ow;
        int rows = g.colRows();
        float[] padded = Scratch.floats(0, g.channels() * hp * wp);
        Arrays.fill(padded, 0, g.channels() * hp * wp, 0f);
        float[] m = Scratch.floats(1, ohw);
        for (int r = 0; r < rows; r++) {
            int kj = r % g.kw();
            int ki = (r / g.kw()) % g.kh();
            int base = (r / (g.kw() * g.kh())) * hp * wp + ki * wp + kj;
            Scratch.load(cols, co + r * ohw, m, ohw);
            for (int y = 0; y < oh; y++) {
                int dst = base + y * g.sh() * wp;
                int src = y * ow;
                if (g.sw() == 1) { // unit stride: a loop the JIT vectorises
                    for (int xx = 0; xx < ow; xx++) {
                        padded[dst + xx] += m[src + xx];
                    }
                } else {
                    for (int xx = 0; xx < ow; xx++) {
                        padded[dst + xx * g.sw()] += m[src + xx];
                    }
                }
            }
        }
        int size = g.channels() * h * w;
        float[] image = Scratch.floats(2, size);
        if (accumulate) {
            x.get(xo, image, 0, size);
        }
        for (int c = 0; c < g.channels(); c++) {
            for (int y = 0; y < h; y++) {
                int from = (c * hp + y + g.ph()) * wp + g.pw();
                int to = (c * h + y) * w;
                if (accumulate) {
                    for (int i = 0; i < w; i++) {
                        image[to + i] += padded[from + i];
                    }
                } else {
                    System.arraycopy(padded, from, image, to, w);
                }
            }
        }
        x.put(xo, image, 0, size);
    }
}
