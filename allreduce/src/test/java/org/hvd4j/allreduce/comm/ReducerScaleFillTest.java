package org.hvd4j.allreduce.comm;

import static org.hvd4j.allreduce.comm.Elements.COUNTS;
import static org.hvd4j.allreduce.comm.Elements.FLOATING;
import static org.hvd4j.allreduce.comm.Elements.POSITIONS;
import static org.hvd4j.allreduce.comm.Elements.TYPES;
import static org.hvd4j.allreduce.comm.Elements.assertEqualsBytes;
import static org.hvd4j.allreduce.comm.Elements.assertSameDouble;
import static org.hvd4j.allreduce.comm.Elements.assertSameFloat;
import static org.hvd4j.allreduce.comm.Elements.bytes;
import static org.hvd4j.allreduce.comm.Elements.direct;
import static org.hvd4j.allreduce.comm.Elements.get;
import static org.hvd4j.allreduce.comm.Elements.nastyDouble;
import static org.hvd4j.allreduce.comm.Elements.nastyFloat;
import static org.hvd4j.allreduce.comm.Elements.put;
import static org.hvd4j.allreduce.comm.Elements.randomBytes;
import static org.hvd4j.allreduce.comm.Elements.same;
import static org.hvd4j.allreduce.comm.Elements.show;
import static org.hvd4j.allreduce.comm.Elements.value;
import static org.hvd4j.allreduce.comm.HalfReference.bfloat16Value;
import static org.hvd4j.allreduce.comm.HalfReference.halfValue;
import static org.hvd4j.allreduce.comm.HalfReference.toBfloat16;
import static org.hvd4j.allreduce.comm.HalfReference.toHalf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.hvd4j.tensor.DType;
import org.junit.jupiter.api.Test;

/** {@link Reducer#scale} and {@link Reducer#fill} against reference loops. */
class ReducerScaleFillTest {

    @Test
    void blasScaleIsBitIdenticalToTheJavaLoop() {
        int n = 50_000;
        SplittableRandom rnd = new SplittableRandom(4);
        for (double factor : new double[] {1.0 / 3, -2.5, 0x1p-100, 1e30}) {
            ByteBuffer f = direct(4 * n);
            ByteBuffer d = direct(8 * n);
            float[] fe = new float[n];
            double[] de = new double[n];
            for (int i = 0; i < n; i++) {
                float u = nastyFloat(rnd);
                double v = nastyDouble(rnd);
                f.putFloat(4 * i, u);
                d.putDouble(8 * i, v);
                fe[i] = u * (float) factor;
                de[i] = v * factor;
            }
            Reducer.scale(DType.FLOAT32, f, 0, n, factor);
            Reducer.scale(DType.FLOAT64, d, 0, n, factor);
            for (int i = 0; i < n; i++) {
                assertSameFloat(fe[i], f.getFloat(4 * i), "sscal by " + factor + " element " + i);
                assertSameDouble(de[i], d.getDouble(8 * i), "dscal by " + factor + " element " + i);
            }
        }
    }

    @Test
    void scaleMatchesTheReferenceForEveryFloatingType() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (DType type : FLOATING) {
            for (double factor : new double[] {0.25, 1.0 / 3, 1.0, 0.0, -7.0}) {
                for (int count : COUNTS) {
                    for (int[] pos : POSITIONS) {
                        checkScale(type, factor, count, pos[1], rnd);
                    }
                }
            }
        }
    }

    @Test
    void fillWritesTheValueAndNothingElse() {
        SplittableRandom rnd = new SplittableRandom(6);
        for (DType type : TYPES) {
            for (int count : COUNTS) {
                checkFill(type, 0.0, count, 5, rnd);
                checkFill(type, type == DType.UINT8 ? 255 : type.isFloatingPoint() ? -1.5 : -7, count, 3, rnd);
            }
        }
        checkFill(DType.INT64, 0x1p40, 1000, 8, rnd);
        checkFill(DType.FLOAT16, 0.1, 1000, 2, rnd);
        for (double bad : new double[] {0.5, 0x1p31, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> Reducer.fill(DType.INT32, direct(16), 0, 1, bad));
        }
        assertThrows(IllegalArgumentException.class, () -> Reducer.fill(DType.UINT8, direct(16), 0, 1, 256));
        assertThrows(IllegalArgumentException.class, () -> Reducer.fill(DType.UINT8, direct(16), 0, 1, -1));
        assertThrows(IllegalArgumentException.class, () -> Reducer.fill(DType.INT64, direct(16), 0, 1, 0x1p63));
    }

    @Test
    void scaleRefusesIntegerTypes() {
        for (DType type : new DType[] {DType.INT32, DType.INT64, DType.UINT8}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Reducer.scale(type, direct(16), 0, 1, 0.5));
            assertEquals("scaling (AVERAGE, pre/post-scale) needs a floating-point type, got " + type, e.getMessage());
        }
    }

    private static void checkScale(DType type, double factor, int count, int pos, SplittableRandom rnd) {
        int w = type.bytes();
        ByteBuffer buf = direct(count * w + 64);
        randomBytes(buf, rnd);
        for (int i = 0; i < count; i++) {
            put(type, buf, pos + i * w, value(type, rnd));
        }
        byte[] before = bytes(buf);
        Reducer.scale(type, buf, pos, count, factor);
        String what = "scale " + type + " x" + count + " by " + factor + " at " + pos;
        assertEqualsBytes(before, bytes(buf), 0, pos, what);
        assertEqualsBytes(before, bytes(buf), pos + count * w, before.length, what);
        ByteBuffer old = ByteBuffer.wrap(before).order(ByteOrder.nativeOrder());
        float f = (float) factor;
        for (int i = 0; i < count; i++) {
            long x = get(type, old, pos + i * w);
            long expected = switch (type) {
                case FLOAT32 -> Float.floatToRawIntBits(Float.intBitsToFloat((int) x) * f);
                case FLOAT64 -> Double.doubleToRawLongBits(Double.longBitsToDouble(x) * factor);
                case FLOAT16 -> toHalf((float) halfValue((short) x) * f);
                case BFLOAT16 -> toBfloat16((float) bfloat16Value((short) x) * f);
                default -> throw new AssertionError(type);
            };
            long actual = get(type, buf, pos + i * w);
            if (!same(type, expected, actual)) {
                fail(what + ", element " + i + ": " + show(type, x) + " gave " + show(type, actual) + ", expected "
                        + show(type, expected));
            }
        }
    }

    private static void checkFill(DType type, double value, int count, int pos, SplittableRandom rnd) {
        int w = type.bytes();
        ByteBuffer buf = direct(count * w + 64);
        randomBytes(buf, rnd);
        byte[] before = bytes(buf);
        Reducer.fill(type, buf, pos, count, value);
        String what = "fill " + type + " x" + count + " with " + value;
        assertEqualsBytes(before, bytes(buf), 0, pos, what);
        assertEqualsBytes(before, bytes(buf), pos + count * w, before.length, what);
        long expected = switch (type) {
            case FLOAT32 -> Float.floatToRawIntBits((float) value);
            case FLOAT64 -> Double.doubleToRawLongBits(value);
            case FLOAT16 -> toHalf((float) value);
            case BFLOAT16 -> toBfloat16((float) value);
            case UINT8 -> (long) value & 0xff;
            default -> (long) value;
        };
        for (int i = 0; i < count; i++) {
            assertEquals(show(type, expected), show(type, get(type, buf, pos + i * w)), what + ", element " + i);
            if (value == 0) {
                for (int k = 0; k < w; k++) {
                    assertEquals(0, buf.get(pos + i * w + k), what + ": zero must be all-zero bytes");
                }
            }
        }
    }
}
