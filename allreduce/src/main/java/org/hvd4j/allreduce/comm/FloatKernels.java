package org.hvd4j.allreduce.comm;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.hvd4j.allreduce.Reduction;

/**
 * FLOAT32 and FLOAT64 kernels of {@link Reducer}: sums of long ranges through OpenBLAS
 * {@code ?axpy} with alpha 1 ({@code y = 1·x + y} is exactly {@code x + y}, one rounding, fused
 * or not, so the bits equal the Java loop's), scaling through {@code ?scal}, everything else
 * staged through {@link Scratch}. BLAS needs element-aligned addresses; a misaligned range takes
 * the Java path. Arguments are checked by {@link Reducer}.
 */
final class FloatKernels {
    /**
     * From this many elements up, SUM goes to {@code cblas_?axpy} and scaling to
     * {@code cblas_?scal}; below, the call overhead (about 65 ns: three JNI calls) exceeds the
     * time of the Java loop (FLOAT32 SUM of 64 elements: 88 ns staged, about 70 by saxpy).
     */
    static final int BLAS_MIN = 64;
    /**
     * Elements per BLAS call. OpenBLAS 0.3.31 runs {@code ?axpy} on its own threads from 10,001
     * elements up whenever its thread count is above 1 (which the tensor module sets for GEMM):
     * measured here as 2.0x process CPU per wall second at 10,001 elements against 1.0x at
     * 10,000. Calling in blocks of 8192 keeps the work on the communication thread, off the
     * compute cores, for under 2% of speed (8 MiB: 14.5 GB/s against 14.7 unblocked).
     * ({@code ?scal} goes multi-threaded only above 1,048,576 elements; same blocks anyway.)
     */
    static final int BLAS_BLOCK = 8192;

    private FloatKernels() {
    }

    // ---- FLOAT32 ----

    static void reduceFloat32(Reduction op, ByteBuffer acc, int accPos, ByteBuffer src, int srcPos, int count) {
        if (op == Reduction.SUM && count >= BLAS_MIN && saxpy(acc, accPos, src, srcPos, count)) {
            return;
        }
        Scratch s = Scratch.get();
        float[] x = s.floats1();
        float[] y = s.floats2();
        for (int done = 0; done < count; done += x.length) {
            int n = Math.min(x.length, count - done);
            int a = accPos + 4 * done;
            s.load(acc, a, x, n);
            s.load(src, srcPos + 4 * done, y, n);
            combine(op, x, y, n);
            s.store(acc, a, x, n);
        }
    }

    /** {@code acc += src} by {@code cblas_saxpy(n, 1, src, 1, acc, 1)}: false if misaligned. */
    private static boolean saxpy(ByteBuffer acc, int accPos, ByteBuffer src, int srcPos, int count) {
        long a = NativeMemory.address(acc) + accPos;
        long b = NativeMemory.address(src) + srcPos;
        if (((a | b) & 3) != 0) {
            return false; // OpenBLAS kernels assume element-aligned data
        }
        Scratch s = Scratch.get();
        for (int done = 0; done < count; done += BLAS_BLOCK) {
            int n = Math.min(BLAS_BLOCK, count - done);
            openblas_nolapack.cblas_saxpy(n, 1f, s.floatsB.at(b + 4L * done, n), 1,
                    s.floatsA.at(a + 4L * done, n), 1);
        }
        return true;
    }

    private static void combine(Reduction op, float[] x, float[] y, int n) {
        switch (op) {
            case SUM -> {
                for (int i = 0; i < n; i++) {
                    x[i] += y[i];
                }
            }
            case PRODUCT -> {
                for (int i = 0; i < n; i++) {
                    x[i] *= y[i];
                }
            }
            case MIN -> {
                for (int i = 0; i < n; i++) {
                    x[i] = Math.min(x[i], y[i]);
                }
            }
            case MAX -> {
                for (int i = 0; i < n; i++) {
                    x[i] = Math.max(x[i], y[i]);
                }
            }
            default -> throw new AssertionError(op);
        }
    }

    static void scaleFloat32(ByteBuffer buf, int pos, int count, float factor) {
        if (count >= BLAS_MIN && blasScalable(factor)) {
            long a = NativeMemory.address(buf) + pos;
            if ((a & 3) == 0) {
                NativeMemory.Floats x = Scratch.get().floatsA;
                for (int done = 0; done < count; done += BLAS_BLOCK) {
                    int n = Math.min(BLAS_BLOCK, count - done);
                    openblas_nolapack.cblas_sscal(n, factor, x.at(a + 4L * done, n), 1);
                }
                return;
            }
        }
        Scratch s = Scratch.get();
        float[] x = s.floats1();
        for (int done = 0; done < count; done += x.length) {
            int n = Math.min(x.length, count - done);
            int p = pos + 4 * done;
            s.load(buf, p, x, n);
            for (int i = 0; i < n; i++) {
                x[i] *= factor;
            }
            s.store(buf, p, x, n);
        }
    }

    static void fillFloat32(ByteBuffer buf, int pos, int count, float value) {
        Scratch s = Scratch.get();
        float[] x = s.floats1();
        Arrays.fill(x, value);
        for (int done = 0; done < count; done += x.length) {
            s.store(buf, pos + 4 * done, x, Math.min(x.length, count - done));
        }
    }

    /**
     * OpenBLAS special-cases {@code ?scal} by 0 (it writes zeros, whatever NaN or Inf was
     * there, in some versions) and by non-finite factors; only a plain finite multiplier is
     * certain to give {@code x * factor}, one rounding, as the Java loop does.
     */
    private static boolean blasScalable(double factor) {
        return factor != 0 && Double.isFinite(factor);
    }

    // ---- FLOAT64 ----

    static void reduceFloat64(Reduction op, ByteBuffer acc, int accPos, ByteBuffer src, int srcPos, int count) {
        if (op == Reduction.SUM && count >= BLAS_MIN && daxpy(acc, accPos, src, srcPos, count)) {
            return;
        }
        Scratch s = Scratch.get();
        double[] x = s.doubles1();
        double[] y = s.doubles2();
        for (int done = 0; done < count; done += x.length) {
            int n = Math.min(x.length, count - done);
            int a = accPos + 8 * done;
            s.load(acc, a, x, n);
            s.load(src, srcPos + 8 * done, y, n);
            combine(op, x, y, n);
            s.store(acc, a, x, n);
        }
    }

    private static boolean daxpy(ByteBuffer acc, int accPos, ByteBuffer src, int srcPos, int count) {
        long a = NativeMemory.address(acc) + accPos;
        long b = NativeMemory.address(src) + srcPos;
        if (((a | b) & 7) != 0) {
            return false;
        }
        Scratch s = Scratch.get();
        for (int done = 0; done < count; done += BLAS_BLOCK) {
            int n = Math.min(BLAS_BLOCK, count - done);
            openblas_nolapack.cblas_daxpy(n, 1.0, s.doublesB.at(b + 8L * done, n), 1,
                    s.doublesA.at(a + 8L * done, n), 1);
        }
        return true;
    }

    private static void combine(Reduction op, double[] x, double[] y, int n) {
        switch (op) {
            case SUM -> {
                for (int i = 0; i < n; i++) {
                    x[i] += y[i];
                }
            }
            case PRODUCT -> {
                for (int i = 0; i < n; i++) {
                    x[i] *= y[i];
                }
            }
            case MIN -> {
                for (int i = 0; i < n; i++) {
                    x[i] = Math.min(x[i], y[i]);
                }
            }
            case MAX -> {
                for (int i = 0; i < n; i++) {
                    x[i] = Math.max(x[i], y[i]);
                }
            }
            default -> throw new AssertionError(op);
        }
    }

    static void scaleFloat64(ByteBuffer buf, int pos, int count, double factor) {
        if (count >= BLAS_MIN && blasScalable(factor)) {
            long a = NativeMemory.address(buf) + pos;
            if ((a & 7) == 0) {
                NativeMemory.Doubles x = Scratch.get().doublesA;
                for (int done = 0; done < count; done += BLAS_BLOCK) {
                    int n = Math.min(BLAS_BLOCK, count - done);
                    openblas_nolapack.cblas_dscal(n, factor, x.at(a + 8L * done, n), 1);
                }
                return;
            }
        }
        Scratch s = Scratch.get();
        double[] x = s.doubles1();
        for (int done = 0; done < count; done += x.length) {
            int n = Math.min(x.length, count - done);
            int p = pos + 8 * done;
            s.load(buf, p, x, n);
            for (int i = 0; i < n; i++) {
                x[i] *= factor;
            }
            s.store(buf, p, x, n);
        }
    }

    static void fillFloat64(ByteBuffer buf, int pos, int count, double value) {
        Scratch s = Scratch.get();
        double[] x = s.doubles1();
        Arrays.fill(x, value);
        for (int done = 0; done < count; done += x.length) {
            s.store(buf, pos + 8 * done, x, Math.min(x.length, count - done));
        }
    }
}
