package org.hvd4j.allreduce.comm;

import static org.hvd4j.tensor.HalfFloats.bfloat16ToFloatRaw;
import static org.hvd4j.tensor.HalfFloats.floatToBfloat16;
import static org.hvd4j.tensor.HalfFloats.floatToHalf;
import static org.hvd4j.tensor.HalfFloats.halfToFloat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.hvd4j.allreduce.Reduction;

/**
 * FLOAT16 and BFLOAT16 kernels of {@link Reducer}: each element is widened to float, combined in
 * float and rounded back once to nearest even, as torch does for 16-bit types on the CPU.
 *
 * <p>For SUM, MIN and MAX (and FLOAT16 PRODUCT) that is the exact result rounded once: a float
 * holds the product of two 11-bit significands exactly, and for sums the intermediate float
 * rounding is innocuous because float's 24 bits are at least 2p + 1 for both p = 11 and p = 8
 * (Figueroa's bound for double rounding of a sum; a float sum that lands below 2^-126 is exact).
 * BFLOAT16 PRODUCT may round twice when the product falls below 2^-126, where float itself
 * loses bits. Scaling by a factor that is not a power of two
 * rounds twice by design: multiply in float, then round to 16 bits.
 */
final class HalfKernels {
    private HalfKernels() {
    }

    static void reduce(boolean bf16, Reduction op, ByteBuffer acc, int accPos, ByteBuffer src, int srcPos,
                       int count) {
        Scratch s = Scratch.get();
        short[] x = s.shorts1();
        short[] y = s.shorts2();
        for (int done = 0; done < count; done += x.length) {
            int n = Math.min(x.length, count - done);
            int a = accPos + 2 * done;
            s.load(acc, a, x, n);
            s.load(src, srcPos + 2 * done, y, n);
            if (bf16) {
                combineBfloat16(op, x, y, n);
            } else {
                combineHalf(op, x, y, n);
            }
            s.store(acc, a, x, n);
        }
    }

    private static void combineHalf(Reduction op, short[] x, short[] y, int n) {
        switch (op) {
            case SUM -> {
                for (int i = 0; i < n; i++) {
                    x[i] = floatToHalf(halfToFloat(x[i]) + halfToFloat(y[i]));
                }
            }
            case PRODUCT -> {
                for (int i = 0; i < n; i++) {
                    x[i] = floatToHalf(halfToFloat(x[i]) * halfToFloat(y[i]));
                }
            }
            case MIN -> {
                for (int i = 0; i < n; i++) {
                    x[i] = floatToHalf(Math.min(halfToFloat(x[i]), halfToFloat(y[i])));
                }
            }
            case MAX -> {
                for (int i = 0; i < n; i++) {
                    x[i] = floatToHalf(Math.max(halfToFloat(x[i]), halfToFloat(y[i])));
                }
            }
            default -> throw new AssertionError(op);
        }
    }

    private static void combineBfloat16(Reduction op, short[] x, short[] y, int n) {
        switch (op) {
            case SUM -> {
                for (int i = 0; i < n; i++) {
                    x[i] = floatToBfloat16(bfloat16ToFloatRaw(x[i]) + bfloat16ToFloatRaw(y[i]));
                }
            }
            case PRODUCT -> {
                for (int i = 0; i < n; i++) {
                    x[i] = floatToBfloat16(bfloat16ToFloatRaw(x[i]) * bfloat16ToFloatRaw(y[i]));
                }
            }
            case MIN -> {
                for (int i = 0; i < n; i++) {
                    x[i] = floatToBfloat16(Math.min(bfloat16ToFloatRaw(x[i]), bfloat16ToFloatRaw(y[i])));
                }
            }
            case MAX -> {
                for (int i = 0; i < n; i++) {
                    x[i] = floatToBfloat16(Math.max(bfloat16ToFloatRaw(x[i]), bfloat16ToFloatRaw(y[i])));
                }
            }
            default -> throw new AssertionError(op);
        }
    }

    static void scale(boolean bf16, ByteBuffer buf, int pos, int count, float factor) {
        Scratch s = Scratch.get();
        short[] x = s.shorts1();
        for (int done = 0; done < count; done += x.length) {
            int n = Math.min(x.length, count - done);
            int p = pos + 2 * done;
            s.load(buf, p, x, n);
            if (bf16) {
                for (int i = 0; i < n; i++) {
                    x[i] = floatToBfloat16(bfloat16ToFloatRaw(x[i]) * factor);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    x[i] = floatToHalf(halfToFloat(x[i]) * factor);
                }
            }
            s.store(buf, p, x, n);
        }
    }

    static void fill(ByteBuffer buf, int pos, int count, short bits) {
        Scratch s = Scratch.get();
        short[] x = s.shorts1();
        Arrays.fill(x, bits);
        for (int done = 0; done < count; done += x.length) {
            s.store(buf, pos + 2 * done, x, Math.min(x.length, count - done));
        }
    }
}
