package org.hvd4j.allreduce.comm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.util.Objects;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.HalfFloats;

/**
 * The element-wise kernels that the transports run in their hot loops: combine a received range
 * into an accumulator, scale for averaging, fill.
 *
 * <p><b>Buffers.</b> Direct, native byte order, addressed by absolute byte positions (any
 * alignment, mapped files included); positions and limits are never read or moved, and a range
 * must lie below the buffer's limit. {@code acc} and {@code src} ranges are disjoint or
 * identical. Calls are safe from several threads at once on disjoint ranges of the same buffers:
 * each thread stages through its own scratch, and steady state allocates nothing.
 *
 * <p><b>Semantics</b>, for {@code i} in {@code [0, count)}: {@code acc[i] = op(acc[i], src[i])}.
 * <ul>
 *   <li>FLOAT32, FLOAT64: Java arithmetic; MIN/MAX are {@link Math#min}/{@link Math#max}, so a
 *       NaN wins and {@code -0 < +0}.</li>
 *   <li>FLOAT16, BFLOAT16: both operands widened to float, combined in float, rounded back to
 *       nearest even ({@link HalfFloats}); for SUM that equals the exact sum rounded once.</li>
 *   <li>INT32, INT64: two's complement, wrapping. UINT8: unsigned MIN/MAX, SUM/PRODUCT mod 256.</li>
 * </ul>
 *
 * <p><b>Paths.</b> FLOAT32/FLOAT64 SUM and scaling of element-aligned ranges of at least 64
 * elements go to OpenBLAS ({@code cblas_?axpy} with alpha 1, {@code cblas_?scal}) in blocks of
 * 8192 elements, which keeps OpenBLAS single-threaded on the calling thread; results are
 * bit-identical to the Java loops (NaN payloads aside). Everything else is staged through
 * per-thread arrays in 8 KiB chunks. The measurements behind these
 * choices head the class body.
 */
public final class Reducer {
    /*
     * Measurements (2-core Intel Xeon VM, JDK 17.0.15, OpenBLAS 0.3.31; throwaway programs that call
     * each variant on direct buffers after warm-up, best of 5 timed runs; GB/s = count * bytes per
     * element / time, i.e. bytes of one operand; up to 1 MiB the operands sit in cache):
     *
     *   FLOAT32 SUM, GB/s                       1 K elems   1 MiB   8 MiB
     *     cblas_saxpy, one call                     49        28.8    14.7
     *     cblas_saxpy, 8192-element blocks          48        27.6    14.5   <- used
     *     cblas_saxpy, one call, OpenBLAS 2 thr.     -        89.9    29.3   (steals a compute core)
     *     FloatBuffer absolute get/put loop         13.5      13.5    11.5
     *     ByteBuffer getFloat/putFloat loop          9.2       9.0     8.2
     *     staged, FloatBuffer bulk get/put          23        12.5    10.0   (allocates views per call)
     *     staged, JavaCPP bulk get/put              14.6      13.0     9.5   <- used off the BLAS path
     *   saxpy costs about 65 ns per call, so it pays from 64 elements (64: 71 ns against 88 staged).
     *   FLOAT32 MAX, 4 K elems / 1 MiB: ByteBuffer loop 4.1 / 3.8, FloatBuffer loop 4.4 / 4.4,
     *     staged FloatBuffer 13.6 / 10.5, staged JavaCPP 11.2 / 9.1 (Math.max vectorises on arrays).
     *   INT32 SUM, 4 K / 1 MiB: ByteBuffer loop 9.5 / 9.5, IntBuffer loop 15.0 / 14.3, staged 17.0 / 13.0.
     *   FLOAT32 scale, 1 MiB / 8 MiB: staged 22.6 / 16.5, cblas_sscal in blocks 61 / 29.
     *   FLOAT16 SUM on gradient-like values, ns per element: conversions computed 4.7, widening by
     *     table 2.2, plus branch-light narrowing 1.7, staged 1.6.
     *
     *   Reducer as built, GB/s              16     256    1 K    1 MiB   8 MiB  (elements / bytes)
     *     FLOAT32 SUM                       1.7    12.4   36     31.6    14.7
     *     FLOAT32 SUM, misaligned           1.5     4.2   11.1   12.3     9.2
     *     FLOAT32 MAX                       1.3     4.3    8.9    9.0     6.8
     *     FLOAT64 SUM                       3.3    23.5   76     15.0    14.7
     *     INT32 SUM                         1.5     5.5   14.0   14.0    10.1
     *     FLOAT16 SUM                       0.5     1.1    1.4    1.5     1.4
     *     BFLOAT16 SUM                      0.6     1.2    1.7    1.8     1.7
     *     FLOAT32 scale                     2.3    23.5   74     61      29
     */

    private Reducer() {
    }

    /**
     * {@code acc[i] = op(acc[i], src[i])} for {@code count} elements of {@code type}, at byte
     * {@code accPos} of {@code acc} and byte {@code srcPos} of {@code src}.
     *
     * @param op SUM, MIN, MAX or PRODUCT; AVERAGE is refused, the caller sums and then
     *           {@link #scale}s
     * @throws IllegalArgumentException for AVERAGE, a heap buffer, a non-native byte order or a
     *                                  negative count
     * @throws IndexOutOfBoundsException if a range passes its buffer's limit
     * @throws ReadOnlyBufferException  if {@code acc} is read-only
     */
    public static void reduce(Reduction op, DType type, ByteBuffer acc, int accPos, ByteBuffer src, int srcPos,
                              int count) {
        Objects.requireNonNull(op, "op");
        if (op == Reduction.AVERAGE) {
            throw new IllegalArgumentException("AVERAGE is not an element-wise reduction: the caller reduces"
                    + " with SUM and then scales by 1/size (Reducer.scale)");
        }
        check("acc", type, acc, accPos, count, true);
        check("src", type, src, srcPos, count, false);
        if (count == 0) {
            return;
        }
        switch (type) {
            case FLOAT32 -> FloatKernels.reduceFloat32(op, acc, accPos, src, srcPos, count);
            case FLOAT64 -> FloatKernels.reduceFloat64(op, acc, accPos, src, srcPos, count);
            case FLOAT16 -> HalfKernels.reduce(false, op, acc, accPos, src, srcPos, count);
            case BFLOAT16 -> HalfKernels.reduce(true, op, acc, accPos, src, srcPos, count);
            case INT32 -> IntKernels.reduceInt32(op, acc, accPos, src, srcPos, count);
            case INT64 -> IntKernels.reduceInt64(op, acc, accPos, src, srcPos, count);
            case UINT8 -> IntKernels.reduceUint8(op, acc, accPos, src, srcPos, count);
            default -> throw new IllegalArgumentException("no reduction kernel for " + type);
        }
    }

    /**
     * {@code buf[i] = buf[i] * factor} for {@code count} elements of a floating-point
     * {@code type} at byte {@code pos}: FLOAT32 multiplies by {@code (float) factor}, FLOAT64 by
     * {@code factor}, FLOAT16/BFLOAT16 widen, multiply in float by {@code (float) factor} and
     * round back to nearest even. A factor of exactly 1 leaves the bytes as they are.
     *
     * @throws IllegalArgumentException for an integer type (AVERAGE and pre/post-scaling are
     *                                  defined for floating-point types only)
     */
    public static void scale(DType type, ByteBuffer buf, int pos, int count, double factor) {
        if (!type.isFloatingPoint()) {
            throw new IllegalArgumentException(
                    "scaling (AVERAGE, pre/post-scale) needs a floating-point type, got " + type);
        }
        check("buf", type, buf, pos, count, true);
        if (count == 0 || factor == 1.0) {
            return;
        }
        switch (type) {
            case FLOAT32 -> FloatKernels.scaleFloat32(buf, pos, count, (float) factor);
            case FLOAT64 -> FloatKernels.scaleFloat64(buf, pos, count, factor);
            case FLOAT16 -> HalfKernels.scale(false, buf, pos, count, (float) factor);
            case BFLOAT16 -> HalfKernels.scale(true, buf, pos, count, (float) factor);
            default -> throw new AssertionError(type);
        }
    }

    /**
     * {@code buf[i] = value} for {@code count} elements of {@code type} at byte {@code pos}
     * (zeros for joined ranks, identities of MIN/MAX/PRODUCT). Floating types take the value
     * rounded to the type (FLOAT16/BFLOAT16 through float); integer types need a value that the
     * type holds exactly (UINT8: 0..255).
     *
     * @throws IllegalArgumentException if an integer type cannot hold {@code value}
     */
    public static void fill(DType type, ByteBuffer buf, int pos, int count, double value) {
        check("buf", type, buf, pos, count, true);
        switch (type) {
            case FLOAT32 -> FloatKernels.fillFloat32(buf, pos, count, (float) value);
            case FLOAT64 -> FloatKernels.fillFloat64(buf, pos, count, value);
            case FLOAT16 -> HalfKernels.fill(buf, pos, count, HalfFloats.floatToHalf((float) value));
            case BFLOAT16 -> HalfKernels.fill(buf, pos, count, HalfFloats.floatToBfloat16((float) value));
            case INT32 -> IntKernels.fillInt32(buf, pos, count, (int) integral(type, value, Integer.MIN_VALUE,
                    Integer.MAX_VALUE));
            case INT64 -> IntKernels.fillInt64(buf, pos, count, integral(type, value, Long.MIN_VALUE,
                    Long.MAX_VALUE));
            case UINT8 -> IntKernels.fillUint8(buf, pos, count, (byte) integral(type, value, 0, 255));
            default -> throw new IllegalArgumentException("no fill kernel for " + type);
        }
    }

    private static long integral(DType type, double value, long min, long max) {
        // (double) Long.MAX_VALUE is 2^63, which a long cannot hold, hence the strict test there
        boolean fits = value == Math.rint(value) && value >= min
                && (max == Long.MAX_VALUE ? value < 0x1p63 : value <= max);
        if (!fits) {
            throw new IllegalArgumentException(type + " cannot hold " + value);
        }
        return (long) value;
    }

    /** Native code does not check bounds or buffer kinds, so a bad range must fail here. */
    private static void check(String name, DType type, ByteBuffer buf, int pos, int count, boolean written) {
        Objects.requireNonNull(type, "type");
        if (!buf.isDirect()) {
            throw new IllegalArgumentException(name + " must be a direct buffer");
        }
        if (written && buf.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        if (type.bytes() > 1 && buf.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException(name + " must be in native byte order (" + ByteOrder.nativeOrder()
                    + "), not " + buf.order());
        }
        if (count < 0) {
            throw new IllegalArgumentException("negative count " + count);
        }
        if (pos < 0 || pos + (long) count * type.bytes() > buf.limit()) {
            throw new IndexOutOfBoundsException(name + ": " + count + " " + type + " at byte " + pos
                    + " pass the limit " + buf.limit());
        }
    }
}
