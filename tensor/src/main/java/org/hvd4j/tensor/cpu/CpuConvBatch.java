package org.hvd4j.tensor.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.hvd4j.tensor.ConvGeometry;
import org.hvd4j.tensor.Storage;
import org.hvd4j.tensor.Tensor;

/**
 * Convolution over a batch, parallel over images: each thread takes a contiguous range of images
 * and, per image, runs im2col into its own column buffer and one single-threaded SGEMM.
 *
 * <p>Why not one multi-threaded GEMM per image: the per-image products are small (64 × 196 × 800
 * for the second layer of {@code cnn}), so splitting each one costs a hand-off per image and per
 * kernel, and im2col/col2im would still run serially between them. Per-image work is independent,
 * so whole images per thread need no synchronisation except the final sum of the per-thread weight
 * gradients.
 */
final class CpuConvBatch {
    private static final ThreadLocal<FloatBuffer[]> COLS = ThreadLocal.withInitial(() -> new FloatBuffer[1]);

    private CpuConvBatch() {
    }

    /** This thread's column buffer with room for {@code n} floats (off-heap, so SGEMM reads it in place). */
    private static FloatBuffer cols(int n) {
        FloatBuffer[] holder = COLS.get();
        if (holder[0] == null || holder[0].capacity() < n) {
            holder[0] = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
        return holder[0];
    }

    private static int blocks(int n) {
        return Math.max(1, Math.min(Parallel.threads(), n));
    }

    static void forward(Tensor xt, Tensor wt, int n, ConvGeometry g, Tensor yt) {
        int o = wt.dim(0);
        int ck = g.colRows();
        int ohw = g.colCols();
        int imageSize = g.channels() * g.height() * g.width();
        FloatBuffer x = CpuBackend.f(xt);
        FloatBuffer w = CpuBackend.f(wt);
        FloatBuffer y = CpuBackend.f(yt);
        Parallel.forRange(n, 1, (from, to) -> {
            FloatBuffer cols = cols(ck * ohw);
            for (int i = from; i < to; i++) {
                float[] image = Scratch.floats(2, imageSize);
                x.get(xt.offset() + i * imageSize, image, 0, imageSize);
                CpuConv.im2colImage(image, g, cols, 0);
                CpuGemm.single(false, false, o, ohw, ck, 1f, w, wt.offset(), ck, cols, 0, ohw,
                        0f, y, yt.offset() + i * o * ohw, ohw);
            }
        });
    }

    static void backwardInput(Tensor gyt, Tensor wt, int n, ConvGeometry g, Tensor gxt) {
        int o = wt.dim(0);
        int ck = g.colRows();
        int ohw = g.colCols();
        int imageSize = g.channels() * g.height() * g.width();
        FloatBuffer gy = CpuBackend.f(gyt);
        FloatBuffer w = CpuBackend.f(wt);
        FloatBuffer gx = CpuBackend.f(gxt);
        Parallel.forRange(n, 1, (from, to) -> {
            FloatBuffer cols = cols(ck * ohw);
            for (int i = from; i < to; i++) {
                // cols (CK × OHW) = Wᵀ (CK × O) · gy[i] (O × OHW)
                CpuGemm.single(true, false, ck, ohw, o, 1f, w, wt.offset(), ck, gy, gyt.offset() + i * o * ohw, ohw,
                        0f, cols, 0, ohw);
                CpuConv.col2imImage(cols, 0, g, gx, gxt.offset() + i * imageSize, false);
            }
        });
    }

    static void backwardWeight(Tensor gyt, Tensor xt, int n, ConvGeometry g, Tensor gwt, boolean accumulate) {
        int o = gwt.dim(0);
        int ck = g.colRows();
        int ohw = g.colCols();
        int imageSize = g.channels() * g.height() * g.width();
        if (n == 0) {
            if (!accumulate) {
                CpuElementwise.fill(gwt, 0f);
            }
            return;
        }
        int blocks = blocks(n);
        FloatBuffer gy = CpuBackend.f(gyt);
        FloatBuffer x = CpuBackend.f(xt);
        // block 0 accumulates straight into gw; the others into pooled partial sums added at the end
        CpuBackend be = CpuBackend.get();
        Storage[] partial = new Storage[blocks];
        for (int b = 1; b < blocks; b++) {
            partial[b] = be.allocate((long) o * ck * 4);
        }
        try {
            Parallel.forRange(blocks, 1, (fromB, toB) -> {
                FloatBuffer cols = cols(ck * ohw);
                for (int b = fromB; b < toB; b++) {
                    FloatBuffer acc = b == 0 ? CpuBackend.f(gwt) : ((CpuStorage) partial[b]).floats;
                    int accOff = b == 0 ? gwt.offset() : 0;
                    int i0 = (int) ((long) n * b / blocks);
                    int i1 = (int) ((long) n * (b + 1) / blocks);
                    for (int i = i0; i < i1; i++) {
                        float[] image = Scratch.floats(2, imageSize);
                        x.get(xt.offset() + i * imageSize, image, 0, imageSize);
                        CpuConv.im2colImage(image, g, cols, 0);
                        // gw (O × CK) (+)= gy[i] (O × OHW) · colsᵀ (OHW × CK)
                        CpuGemm.single(false, true, o, ck, ohw, 1f, gy, gyt.offset() + i * o * ohw, ohw,
                                cols, 0, ohw, i == i0 && !(b == 0 && accumulate) ? 0f : 1f, acc, accOff, ck);
                    }
                }
            });
            FloatBuffer gw = CpuBackend.f(gwt);
            float[] a = Scratch.floats(0, Math.min(Scratch.BLOCK, o * ck));
            float[] p = Scratch.floats(1, Math.min(Scratch.BLOCK, o * ck));
            for (int b = 1; b < blocks; b++) {
                FloatBuffer part = ((CpuStorage) partial[b]).floats;
                for (int i = 0; i < o * ck; i += Scratch.BLOCK) {
                    int len = Math.min(Scratch.BLOCK, o * ck - i);
                    Scratch.load(gw, gwt.offset() + i, a, len);
                    Scratch.load(part, i, p, len);
                    for (int j = 0; j < len; j++) {
                        a[j] += p[j];
                    }
                    Scratch.store(a, gw, gwt.offset() + i, len);
                }
            }
        } finally {
            for (int b = 1; b < blocks; b++) {
                be.recycle(partial[b]);
            }
        }
    }
}
