package org.hvd4j.tensor.cpu;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.hvd4j.tensor.ConvGeometry;
import org.hvd4j.tensor.Tensor;

/**
 * im2col / col2im for one image. Row {@code (c, ki, kj)} of the column matrix holds, for every
 * output pixel {@code (oh, ow)}, the input value at {@code (c, oh*sh - ph + ki, ow*sw - pw + kj)}
 * (zero in the padding), so that convolution becomes {@code W[out, C*kh*kw] · cols}. The image is
 * staged on the heap; each column row is assembled in a scratch array and written with one bulk
 * copy. The row/channel-range methods are shared with the batch-parallel {@link CpuConvBatch}.
 */
final class CpuConv {
    private CpuConv() {
    }

    static void im2col(Tensor xt, int xOffset, ConvGeometry g, Tensor colst, int colsOffset) {
        int size = g.channels() * g.height() * g.width();
        // slot 1 of the calling thread; the loop body uses slot 0 of whichever thread runs it
        float[] image = Scratch.floats(1, size);
        CpuBackend.f(xt).get(xt.offset() + xOffset, image, 0, size);
        Parallel.forRange(g.colRows(), 8, (from, to) -> im2colRows(image, g, CpuBackend.f(colst),
                colst.offset() + colsOffset, from, to, Scratch.floats(0, g.colCols())));
    }

    /** Writes rows {@code [from, to)} of the column matrix of {@code image} to {@code cols} at {@code co}. */
    static void im2colRows(float[] image, ConvGeometry g, FloatBuffer cols, int co, int from, int to, float[] row) {
        int h = g.height();
        int w = g.width();
        int oh = g.outHeight();
        int ow = g.outWidth();
        for (int r = from; r < to; r++) {
            int kj = r % g.kw();
            int ki = (r / g.kw()) % g.kh();
            int plane = (r / (g.kw() * g.kh())) * h * w;
            // output columns whose input column ix = x*sw - pw + kj lies inside [0, w)
            int x0 = Math.max(0, ceilDiv(g.pw() - kj, g.sw()));
            int x1 = Math.min(ow, ceilDiv(w + g.pw() - kj, g.sw()));
            for (int y = 0; y < oh; y++) {
                int iy = y * g.sh() - g.ph() + ki;
                int dst = y * ow;
                if (iy < 0 || iy >= h || x0 >= x1) {
                    Arrays.fill(row, dst, dst + ow, 0f);
                    continue;
                }
                Arrays.fill(row, dst, dst + x0, 0f);
                Arrays.fill(row, dst + x1, dst + ow, 0f);
                int src = plane + iy * w - g.pw() + kj;
                if (g.sw() == 1) {
                    System.arraycopy(image, src + x0, row, dst + x0, x1 - x0);
                } else {
                    for (int x = x0; x < x1; x++) {
                        row[dst + x] = image[src + x * g.sw()];
                    }
                }
            }
            Scratch.store(row, cols, co + r * oh * ow, oh * ow);
        }
    }

    static void col2im(Tensor colst, int colsOffset, ConvGeometry g, Tensor xt, int xOffset) {
        // Parallel over channels: the rows of different channels write disjoint input planes.
        Parallel.forRange(g.channels(), 1, (from, to) -> col2imChannels(CpuBackend.f(colst),
                colst.offset() + colsOffset, g, CpuBackend.f(xt), xt.offset() + xOffset, from, to, true));
    }

    /**
     * Adds (or, when {@code accumulate} is false, writes) the column entries of channels
     * {@code [from, to)} back into the image planes at {@code xo}.
     */
    static void col2imChannels(FloatBuffer cols, int co, ConvGeometry g, FloatBuffer x, int xo,
                               int from, int to, boolean accumulate) {
        int h = g.height();
        int w = g.width();
        int oh = g.outHeight();
        int ow = g.outWidth();
        int perChannel = g.kh() * g.kw();
        float[] plane = Scratch.floats(0, h * w);
        float[] row = Scratch.floats(1, oh * ow);
        for (int c = from; c < to; c++) {
            if (accumulate) {
                Scratch.load(x, xo + c * h * w, plane, h * w);
            } else {
                Arrays.fill(plane, 0, h * w, 0f);
            }
            for (int k = 0; k < perChannel; k++) {
                int ki = k / g.kw();
                int kj = k % g.kw();
                Scratch.load(cols, co + (c * perChannel + k) * oh * ow, row, oh * ow);
                int x0 = Math.max(0, ceilDiv(g.pw() - kj, g.sw()));
                int x1 = Math.min(ow, ceilDiv(w + g.pw() - kj, g.sw()));
                for (int y = 0; y < oh; y++) {
                    int iy = y * g.sh() - g.ph() + ki;
                    if (iy < 0 || iy >= h) {
                        continue;
                    }
                    int dst = iy * w - g.pw() + kj;
                    int src = y * ow;
                    for (int xx = x0; xx < x1; xx++) {
                        plane[dst + xx * g.sw()] += row[src + xx];
                    }
                }
            }
            Scratch.store(plane, x, xo + c * h * w, h * w);
        }
    }

    /** {@code ceil(a / b)} for {@code b > 0} and any sign of {@code a}. */
    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }
}
