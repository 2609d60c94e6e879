package org.hvd4j.allreduce.comm;

import static org.hvd4j.allreduce.comm.HalfReference.bfloat16Value;
import static org.hvd4j.allreduce.comm.HalfReference.halfValue;
import static org.hvd4j.allreduce.comm.HalfReference.isBfloat16NaN;
import static org.hvd4j.allreduce.comm.HalfReference.isHalfNaN;
import static org.hvd4j.allreduce.comm.HalfReference.toBfloat16;
import static org.hvd4j.allreduce.comm.HalfReference.toHalf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.tensor.DType;

/**
 * Test support for {@link Reducer}: random elements of every type (edges included), the plain
 * reference operation on elements held as bits, and comparisons that treat every NaN alike.
 */
final class Elements {
    static final Reduction[] OPS = {Reduction.SUM, Reduction.MIN, Reduction.MAX, Reduction.PRODUCT};
    static final DType[] TYPES = DType.values();
    static final DType[] FLOATING = {DType.FLOAT32, DType.FLOAT64, DType.FLOAT16, DType.BFLOAT16};
    /** Edges of every path: tiny, SIMD widths, the BLAS and bulk-copy thresholds, chunks, blocks. */
    static final int[] COUNTS = {0, 1, 7, 15, 16, 17, FloatKernels.BLAS_MIN - 1, FloatKernels.BLAS_MIN,
        FloatKernels.BLAS_MIN + 1, Scratch.BULK_MIN - 1, Scratch.BULK_MIN, Scratch.BULK_MIN + 1, 2049, 100_000};
    /** (accPos, srcPos) byte positions: element-aligned (BLAS path) and misaligned (Java path). */
    static final int[][] POSITIONS = {{16, 40}, {3, 5}};

    private Elements() {
    }

    static long reference(Reduction op, DType type, long x, long y) {
        switch (type) {
            case FLOAT32: {
                float a = Float.intBitsToFloat((int) x);
                float b = Float.intBitsToFloat((int) y);
                float r = op == Reduction.SUM ? a + b : op == Reduction.PRODUCT ? a * b
                        : op == Reduction.MIN ? Math.min(a, b) : Math.max(a, b);
                return Float.floatToRawIntBits(r);
            }
            case FLOAT64: {
                double a = Double.longBitsToDouble(x);
                double b = Double.longBitsToDouble(y);
                return Double.doubleToRawLongBits(op == Reduction.SUM ? a + b : op == Reduction.PRODUCT ? a * b
                        : op == Reduction.MIN ? Math.min(a, b) : Math.max(a, b));
            }
            case FLOAT16: {
                // exact in double for all four ops, so this is the exact result rounded once
                double a = halfValue((short) x);
                double b = halfValue((short) y);
                return toHalf(op == Reduction.SUM ? a + b : op == Reduction.PRODUCT ? a * b
                        : op == Reduction.MIN ? Math.min(a, b) : Math.max(a, b));
            }
            case BFLOAT16: {
                double a = bfloat16Value((short) x);
                double b = bfloat16Value((short) y);
                // a sum rounded to double first is still rounded correctly (53 >= 2*8+1); a product
                // is defined as the float product rounded (below 2^-126 float itself rounds)
                return toBfloat16(op == Reduction.SUM ? a + b
                        : op == Reduction.PRODUCT ? (double) ((float) a * (float) b)
                        : op == Reduction.MIN ? Math.min(a, b) : Math.max(a, b));
            }
            case INT32: {
                int a = (int) x;
                int b = (int) y;
                return op == Reduction.SUM ? a + b : op == Reduction.PRODUCT ? a * b
                        : op == Reduction.MIN ? Math.min(a, b) : Math.max(a, b);
            }
            case INT64:
                return op == Reduction.SUM ? x + y : op == Reduction.PRODUCT ? x * y
                        : op == Reduction.MIN ? Math.min(x, y) : Math.max(x, y);
            case UINT8: {
                int a = (int) x & 0xff;
                int b = (int) y & 0xff;
                return (op == Reduction.SUM ? a + b : op == Reduction.PRODUCT ? a * b
                        : op == Reduction.MIN ? Math.min(a, b) : Math.max(a, b)) & 0xff;
            }
            default:
                throw new AssertionError(type);
        }
    }

    /** A random element of {@code type} as bits: ordinary magnitudes mostly, and every kind of edge. */
    static long value(DType type, SplittableRandom rnd) {
        switch (type) {
            case FLOAT32:
                return Float.floatToRawIntBits(nastyFloat(rnd));
            case FLOAT64:
                return Double.doubleToRawLongBits(nastyDouble(rnd));
            case FLOAT16:
                return rnd.nextInt(4) == 0 ? rnd.nextInt() & 0xffff
                        : toHalf(rnd.nextGaussian() * Math.scalb(1.0, rnd.nextInt(-26, 12))) & 0xffff;
            case BFLOAT16:
                return rnd.nextInt(4) == 0 ? rnd.nextInt() & 0xffff
                        : toBfloat16(rnd.nextGaussian() * Math.scalb(1.0, rnd.nextInt(-140, 120))) & 0xffff;
            case INT32:
                return rnd.nextBoolean() ? rnd.nextInt() : rnd.nextInt(-100, 100);
            case INT64:
                return rnd.nextBoolean() ? rnd.nextLong() : rnd.nextLong(-100, 100);
            case UINT8:
                return rnd.nextInt(256);
            default:
                throw new AssertionError(type);
        }
    }

    /** Ordinary values, ±0, subnormals, huge magnitudes that overflow when summed, ±Inf, NaN. */
    static float nastyFloat(SplittableRandom rnd) {
        switch (rnd.nextInt(10)) {
            case 0:
                return Float.intBitsToFloat(rnd.nextInt()); // anything, NaNs with payloads included
            case 1:
                return Float.intBitsToFloat(rnd.nextInt() & 0x807fffff); // subnormal or ±0
            case 2:
                return rnd.nextBoolean() ? -0f : 0f;
            case 3:
                return (rnd.nextBoolean() ? 1 : -1) * Float.MAX_VALUE * (float) rnd.nextDouble(0.5, 1);
            case 4:
                return new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
                    Float.MIN_VALUE, -Float.MIN_NORMAL}[rnd.nextInt(5)];
            default:
                return (float) (rnd.nextGaussian() * Math.scalb(1.0, rnd.nextInt(-40, 40)));
        }
    }

    static double nastyDouble(SplittableRandom rnd) {
        switch (rnd.nextInt(10)) {
            case 0:
                return Double.longBitsToDouble(rnd.nextLong());
            case 1:
                return Double.longBitsToDouble(rnd.nextLong() & 0x800fffffffffffffL);
            case 2:
                return rnd.nextBoolean() ? -0.0 : 0.0;
            case 3:
                return (rnd.nextBoolean() ? 1 : -1) * Double.MAX_VALUE * rnd.nextDouble(0.5, 1);
            case 4:
                return new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN,
                    Double.MIN_VALUE}[rnd.nextInt(4)];
            default:
                return rnd.nextGaussian() * Math.scalb(1.0, rnd.nextInt(-300, 300));
        }
    }

    static boolean same(DType type, long expected, long actual) {
        return switch (type) {
            case FLOAT32 -> Float.floatToIntBits(Float.intBitsToFloat((int) expected))
                    == Float.floatToIntBits(Float.intBitsToFloat((int) actual));
            case FLOAT64 -> Double.doubleToLongBits(Double.longBitsToDouble(expected))
                    == Double.doubleToLongBits(Double.longBitsToDouble(actual));
            case FLOAT16 -> isHalfNaN((short) expected) ? isHalfNaN((short) actual)
                    : (short) expected == (short) actual;
            case BFLOAT16 -> isBfloat16NaN((short) expected) ? isBfloat16NaN((short) actual)
                    : (short) expected == (short) actual;
            case INT32 -> (int) expected == (int) actual;
            case UINT8 -> (expected & 0xff) == (actual & 0xff);
            default -> expected == actual;
        };
    }

    static String show(DType type, long bits) {
        return switch (type) {
            case FLOAT32 -> Float.toHexString(Float.intBitsToFloat((int) bits));
            case FLOAT64 -> Double.toHexString(Double.longBitsToDouble(bits));
            case FLOAT16 -> String.format("0x%04x(%s)", bits & 0xffff, halfValue((short) bits));
            case BFLOAT16 -> String.format("0x%04x(%s)", bits & 0xffff, bfloat16Value((short) bits));
            case UINT8 -> Long.toString(bits & 0xff);
            case INT32 -> Integer.toString((int) bits);
            default -> Long.toString(bits);
        };
    }

    static long get(DType type, ByteBuffer b, int p) {
        return switch (type.bytes()) {
            case 1 -> b.get(p) & 0xff;
            case 2 -> b.getShort(p) & 0xffff;
            case 4 -> b.getInt(p);
            default -> b.getLong(p);
        };
    }

    static void put(DType type, ByteBuffer b, int p, long bits) {
        switch (type.bytes()) {
            case 1 -> b.put(p, (byte) bits);
            case 2 -> b.putShort(p, (short) bits);
            case 4 -> b.putInt(p, (int) bits);
            default -> b.putLong(p, bits);
        }
    }


    static void assertSameFloat(float expected, float actual, String what) {
        if (Float.isNaN(expected)) {
            assertTrue(Float.isNaN(actual), what + ": expected NaN, got " + actual);
        } else {
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                    what + ": expected " + Float.toHexString(expected) + ", got " + Float.toHexString(actual));
        }
    }

    static void assertSameDouble(double expected, double actual, String what) {
        if (Double.isNaN(expected)) {
            assertTrue(Double.isNaN(actual), what + ": expected NaN, got " + actual);
        } else {
            assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(actual),
                    what + ": expected " + Double.toHexString(expected) + ", got " + Double.toHexString(actual));
        }
    }

    static void assertEqualsBytes(byte[] expected, byte[] actual, int from, int to, String what) {
        for (int i = from; i < to; i++) {
            if (expected[i] != actual[i]) {
                fail(what + " (byte " + i + ")");
            }
        }
    }

    static void randomBytes(ByteBuffer b, SplittableRandom rnd) {
        int i = 0;
        for (; i + 8 <= b.capacity(); i += 8) {
            b.putLong(i, rnd.nextLong());
        }
        for (; i < b.capacity(); i++) {
            b.put(i, (byte) rnd.nextInt());
        }
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.capacity()];
        b.get(0, out);
        return out;
    }

    static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }
}
