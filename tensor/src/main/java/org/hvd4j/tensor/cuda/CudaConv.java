package org.hvd4j.tensor.cuda;

import org.hvd4j.cuda.KernelArgs;
import org.hvd4j.tensor.ConvGeometry;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.Storage;
import org.hvd4j.tensor.Tensor;

/**
 * Convolution on the GPU as im2col plus one large GEMM per chunk of images (not one small GEMM
 * per image): the chunk's columns are laid out {@code [C·kh·kw, nb·P]} (P = OH·OW), so
 *
 * <pre>
 *   forward:         Y'[O, nb·P]     = W[O, CKK] · cols            then Y[nb, O, P] = swap01(Y')
 *   backward input:  cols            = Wᵀ[CKK, O] · swap01(gY)      then gX = col2im(cols)
 *   backward weight: gW[O, CKK]     (+)= swap01(gY)[O, nb·P] · colsᵀ
 * </pre>
 *
 * The chunk is as many images as fit {@link #colsBytes} of columns. Scratch comes from the
 * caching allocator and is recycled at once (later users are ordered after on the stream).
 */
final class CudaConv {
    /**
     * Column scratch per chunk (the cnn's conv2 at batch 128 needs 80 MiB for all images); tests
     * lower it to exercise the multi-chunk path.
     */
    static volatile long colsBytes = 128L << 20;

    private final CudaBackend be;

    CudaConv(CudaBackend be) {
        this.be = be;
    }

    private static KernelArgs geometry(KernelArgs a, int n, ConvGeometry g) {
        return a.i32(n).i32(g.channels()).i32(g.height()).i32(g.width()).i32(g.kh()).i32(g.kw())
                .i32(g.sh()).i32(g.sw()).i32(g.ph()).i32(g.pw()).i32(g.outHeight()).i32(g.outWidth());
    }

    void im2col(long x, int n, ConvGeometry g, long cols) {
        be.launch1d("hvd_im2col_f32", (long) g.colRows() * n * g.colCols(),
                geometry(new KernelArgs().ptr(x).ptr(cols), n, g));
    }

    void col2im(long cols, int n, ConvGeometry g, long x, boolean accumulate) {
        be.launch1d("hvd_col2im_f32", (long) n * g.channels() * g.height() * g.width(),
                geometry(new KernelArgs().ptr(cols).ptr(x), n, g).flag(accumulate));
    }

    private void swap01(long in, long out, int a, int b, int inner) {
        be.launch1d("hvd_swap01_f32", (long) a * b * inner, new KernelArgs().ptr(in).ptr(out).i32(a).i32(b).i32(inner));
    }

    private static int chunk(int n, ConvGeometry g) {
        long perImage = 4L * g.colRows() * g.colCols();
        return (int) Math.max(1, Math.min(n, colsBytes / Math.max(1, perImage)));
    }

    private static void check(Tensor t, long count, String what) {
        if (t.dtype() != DType.FLOAT32 || t.numel() < count) {
            throw new IllegalArgumentException(what + ": " + t.describe() + " must be FLOAT32 with at least "
                    + count + " elements");
        }
    }

    void forward(Tensor x, Tensor w, int n, ConvGeometry g, Tensor y) {
        int o = w.dim(0);
        int ckk = g.colRows();
        int p = g.colCols();
        int image = g.channels() * g.height() * g.width();
        check(x, (long) n * image, "conv2d x");
        check(w, (long) o * ckk, "conv2d w");
        check(y, (long) n * o * p, "conv2d y");
        int nb = chunk(n, g);
        Storage cols = be.allocate(4L * ckk * nb * p);
        Storage out = be.allocate(4L * o * nb * p);
        try {
            long pc = ((CudaStorage) cols).address();
            long po = ((CudaStorage) out).address();
            for (int b0 = 0; b0 < n; b0 += nb) {
                int b = Math.min(nb, n - b0);
                im2col(be.ptr(x, (long) b0 * image), b, g, pc);
                be.gemmAt(false, false, o, b * p, ckk, 1f, be.ptr(w), ckk, pc, b * p, 0f, po, b * p);
                swap01(po, be.ptr(y, (long) b0 * o * p), o, b, p);
            }
        } finally {
            be.recycle(cols);
            be.recycle(out);
        }
    }

    void backwardInput(Tensor gy, Tensor w, int n, ConvGeometry g, Tensor gx) {
        int o = w.dim(0);
        int ckk = g.colRows();
        int p = g.colCols();
        int image = g.channels() * g.height() * g.width();
        check(gy, (long) n * o * p, "conv2d backward gy");
        check(gx, (long) n * image, "conv2d backward gx");
        int nb = chunk(n, g);
        Storage cols = be.allocate(4L * ckk * nb * p);
        Storage gyT = be.allocate(4L * o * nb * p);
        try {
            long pc = ((CudaStorage) cols).address();
            long pt = ((CudaStorage) gyT).address();
            for (int b0 = 0; b0 < n; b0 += nb) {
                int b = Math.min(nb, n - b0);
                swap01(be.ptr(gy, (long) b0 * o * p), pt, b, o, p);
                be.gemmAt(true, false, ckk, b * p, o, 1f, be.ptr(w), ckk, pt, b * p, 0f, pc, b * p);
                col2im(pc, b, g, be.ptr(gx, (long) b0 * image), false);
            }
        } finally {
            be.recycle(cols);
            be.recycle(gyT);
        }
    }

    void backwardWeight(Tensor gy, Tensor x, int n, ConvGeometry g, Tensor gw, boolean accumulate) {
        int o = gw.numel() / g.colRows();
        int ckk = g.colRows();
        int p = g.colCols();
        int image = g.channels() * g.height() * g.width();
        check(gy, (long) n * o * p, "conv2d backward gy");
        check(x, (long) n * image, "conv2d backward x");
        if (n == 0) {
            if (!accumulate) {
                be.fill(gw, 0f);
            }
            return;
        }
        int nb = chunk(n, g);
        Storage cols = be.allocate(4L * ckk * nb * p);
        Storage gyT = be.allocate(4L * o * nb * p);
        try {
            long pc = ((CudaStorage) cols).address();
            long pt = ((CudaStorage) gyT).address();
            for (int b0 = 0; b0 < n; b0 += nb) {
                int b = Math.min(nb, n - b0);
                im2col(be.ptr(x, (long) b0 * image), b, g, pc);
                swap01(be.ptr(gy, (long) b0 * o * p), pt, b, o, p);
                float beta = accumulate || b0 > 0 ? 1f : 0f;
                be.gemmAt(false, true, o, ckk, b * p, 1f, pt, b * p, pc, b * p, beta, be.ptr(gw), ckk);
            }
        } finally {
            be.recycle(cols);
            be.recycle(gyT);
        }
    }
}
