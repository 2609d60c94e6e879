package org.hvd4j.tensor.cpu;

import java.nio.FloatBuffer;
import org.hvd4j.tensor.ConvGeometry;
import org.hvd4j.tensor.Tensor;

/**
 * im2col / col2im for one image. Row {@code (c, ki, kj)} of the column matrix holds, for every
 * output pixel {@code (oh, ow)}, the input value at {@code (c, oh*sh - ph + ki, ow*sw - pw + kj)}
 * (zero in the padding), so that convolution becomes {@code W[out, C*kh*kw] · cols}.
 */
final class CpuConv {
    private CpuConv() {
    }

    static void im2col(Tensor xt, int xOffset, ConvGeometry g, Tensor colst, int colsOffset) {
        FloatBuffer x = CpuBackend.f(xt);
        FloatBuffer cols = CpuBackend.f(colst);
        int xo = xt.offset() + xOffset;
        int co = colst.offset() + colsOffset;
        int oh = g.outHeight();
        int ow = g.outWidth();
        int h = g.height();
        int w = g.width();
        Parallel.forRange(g.colRows(), 8, (from, to) -> {
            for (int row = from; row < to; row++) {
                int kj = row % g.kw();
                int ki = (row / g.kw()) % g.kh();
                int c = row / (g.kw() * g.kh());
                int dst = co + row * oh * ow;
                int plane = xo + c * h * w;
                for (int y = 0; y < oh; y++) {
                    int iy = y * g.sh() - g.ph() + ki;
                    int rowDst = dst + y * ow;
                    if (iy < 0 || iy >= h) {
                        for (int xx = 0; xx < ow; xx++) {
                            cols.put(rowDst + xx, 0f);
                        }
                        continue;
                    }
                    int src = plane + iy * w;
                    for (int xx = 0; xx < ow; xx++) {
                        int ix = xx * g.sw() - g.pw() + kj;
                        cols.put(rowDst + xx, ix >= 0 && ix < w ? x.get(src + ix) : 0f);
                    }
                }
            }
        });
    }

    static void col2im(Tensor colst, int colsOffset, ConvGeometry g, Tensor xt, int xOffset) {
        FloatBuffer x = CpuBackend.f(xt);
        FloatBuffer cols = CpuBackend.f(colst);
        int xo = xt.offset() + xOffset;
        int co = colst.offset() + colsOffset;
        int oh = g.outHeight();
        int ow = g.outWidth();
        int h = g.height();
        int w = g.width();
        int perChannel = g.kh() * g.kw();
        // Parallel over channels: rows of different channels write disjoint input planes.
        Parallel.forRange(g.channels(), 1, (fromC, toC) -> {
            for (int c = fromC; c < toC; c++) {
                int plane = xo + c * h * w;
                for (int k = 0; k < perChannel; k++) {
                    int row = c * perChannel + k;
                    int ki = k / g.kw();
                    int kj = k % g.kw();
                    int src = co + row * oh * ow;
                    for (int y = 0; y < oh; y++) {
                        int iy = y * g.sh() - g.ph() + ki;
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        int dstRow = plane + iy * w;
                        for (int xx = 0; xx < ow; xx++) {
                            int ix = xx * g.sw() - g.pw() + kj;
                            if (ix >= 0 && ix < w) {
                                x.put(dstRow + ix, x.get(dstRow + ix) + cols.get(src + y * ow + xx));
                            }
                        }
                    }
                }
            }
        });
    }
}
