package org.hvd4j.allreduce.comm;

import static org.hvd4j.allreduce.comm.HalfReference.bfloat16Value;
import static org.hvd4j.allreduce.comm.HalfReference.halfValue;
import static org.hvd4j.allreduce.comm.HalfReference.isBfloat16NaN;
import static org.hvd4j.allreduce.comm.HalfReference.isHalfNaN;
import static org.hvd4j.allreduce.comm.HalfReference.toBfloat16;
import static org.hvd4j.allreduce.comm.HalfReference.toHalf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.HalfFloats;
import org.junit.jupiter.api.Test;

class HalfFloatsTest {

    @Test
    void everyHalfDecodesExactlyAndRoundTrips() {
        for (int i = 0; i < 1 << 16; i++) {
            short h = (short) i;
            float f = HalfFloats.halfToFloat(h);
            if (isHalfNaN(h)) {
                assertTrue(Float.isNaN(f), hex(h));
                assertTrue((Float.floatToRawIntBits(f) & 0x400000) != 0, "quiet NaN for " + hex(h));
                short back = HalfFloats.floatToHalf(f);
                assertTrue(isHalfNaN(back) && (back & 0x200) != 0, hex(h) + " -> " + hex(back));
                assertEquals(h & 0x8000, back & 0x8000, "NaN sign of " + hex(h));
            } else {
                assertEquals(halfValue(h), f, 0.0, hex(h));
                assertEquals(h, HalfFloats.floatToHalf(f), hex(h));
            }
        }
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(HalfFloats.halfToFloat((short) 0x8000)));
    }

    @Test
    void everyBfloat16DecodesExactlyAndRoundTrips() {
        for (int i = 0; i < 1 << 16; i++) {
            short b = (short) i;
            float f = HalfFloats.bfloat16ToFloat(b);
            if (isBfloat16NaN(b)) {
                assertTrue(Float.isNaN(f) && (Float.floatToRawIntBits(f) & 0x400000) != 0, hex(b));
                short back = HalfFloats.floatToBfloat16(f);
                assertTrue(isBfloat16NaN(back) && (back & 0x40) != 0, hex(b) + " -> " + hex(back));
                assertEquals(b & 0x8000, back & 0x8000);
            } else {
                assertEquals(bfloat16Value(b), f, 0.0, hex(b));
                assertEquals(b, HalfFloats.floatToBfloat16(f), hex(b));
            }
        }
    }

    @Test
    void floatToHalfRoundsToNearestEvenOnBoundaries() {
        List<Float> cases = new ArrayList<>();
        // every midpoint between adjacent finite halves (12 significant bits: exact in float),
        // and the floats just either side of it
        for (int h = 0; h < 0x7bff; h++) {
            float mid = (float) ((halfValue((short) h) + halfValue((short) (h + 1))) / 2);
            cases.add(mid);
            cases.add(Math.nextUp(mid));
            cases.add(Math.nextDown(mid));
        }
        float[] named = {0f, -0f, 65504f, 65519.996f, 65520f, Math.nextDown(65520f), 65536f, -65520f,
            Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0x1p-24f, 0x1p-25f,
            Math.nextUp(0x1p-25f), Math.nextDown(0x1p-25f), 0x1.8p-25f, 0x1.8p-24f, 0x1p-14f,
            Math.nextDown(0x1p-14f), 0x1.ffcp-15f, 0x1.ffep-15f, Float.MIN_VALUE, Float.MIN_NORMAL, 1f,
            1.0009766f, 1.00048828125f, 2048f, 2049f, 2050f, 2051f, -0x1p-25f, -0x1p-26f};
        for (float f : named) {
            cases.add(f);
            cases.add(-f);
        }
        for (float f : cases) {
            assertEquals(hex(toHalf(f)), hex(HalfFloats.floatToHalf(f)), "floatToHalf(" + f + " = "
                    + Float.toHexString(f) + ")");
        }
        assertEquals((short) 0x7bff, HalfFloats.floatToHalf(65519.996f));
        assertEquals((short) 0x7c00, HalfFloats.floatToHalf(65520f));
        assertEquals((short) 0x0001, HalfFloats.floatToHalf(Math.nextUp(0x1p-25f)));
        assertEquals((short) 0x0000, HalfFloats.floatToHalf(0x1p-25f));
        assertEquals((short) 0x8000, HalfFloats.floatToHalf(-0x1p-26f));
        assertEquals((short) 0x0002, HalfFloats.floatToHalf(0x1.8p-24f)); // 1.5 units: tie to even 2
        assertEquals((short) 0x0400, HalfFloats.floatToHalf(Math.nextDown(0x1p-14f)));
    }

    @Test
    void floatToHalfMatchesReferenceOnRandomFloats() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < 2_000_000; i++) {
            // half of them spread over all bit patterns, half over the binary16 range
            int bits = (i & 1) == 0 ? rnd.nextInt() : (rnd.nextInt() & 0x87ffffff) | 0x30000000;
            float f = Float.intBitsToFloat(bits);
            short got = HalfFloats.floatToHalf(f);
            if (Float.isNaN(f)) {
                assertTrue(isHalfNaN(got) && (got & 0x200) != 0 && (got & 0x8000) == (bits >>> 16 & 0x8000),
                        Float.toHexString(f) + " -> " + hex(got));
            } else if (got != toHalf(f)) {
                fail("floatToHalf(" + Float.toHexString(f) + ") = " + hex(got) + ", expected " + hex(toHalf(f)));
            }
        }
    }

    @Test
    void floatToBfloat16MatchesReference() {
        SplittableRandom rnd = new SplittableRandom(7);
        List<Float> cases = new ArrayList<>();
        for (int i = 0; i < 1_000_000; i++) {
            cases.add(Float.intBitsToFloat(rnd.nextInt()));
        }
        for (int i = 0; i < 20_000; i++) {
            int upper = rnd.nextInt() & 0xffff0000;
            for (int low : new int[] {0x7fff, 0x8000, 0x8001}) { // ties and their neighbours
                cases.add(Float.intBitsToFloat(upper | low));
            }
        }
        float[] named = {0f, -0f, Float.MAX_VALUE, Float.MIN_VALUE, Float.MIN_NORMAL, 1f, 1.00390625f,
            1.005859375f, 0x1.fep127f, 0x1.ffp127f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (float f : named) {
            cases.add(f);
            cases.add(-f);
        }
        for (float f : cases) {
            short got = HalfFloats.floatToBfloat16(f);
            if (Float.isNaN(f)) {
                assertTrue(isBfloat16NaN(got) && (got & 0x40) != 0, Float.toHexString(f) + " -> " + hex(got));
            } else if (got != toBfloat16(f)) {
                fail("floatToBfloat16(" + Float.toHexString(f) + ") = " + hex(got) + ", expected "
                        + hex(toBfloat16(f)));
            }
        }
        assertEquals((short) 0x7f80, HalfFloats.floatToBfloat16(Float.MAX_VALUE));
        assertEquals((short) 0x3f80, HalfFloats.floatToBfloat16(1.00390625f)); // tie to even (down)
        assertEquals((short) 0x3f82, HalfFloats.floatToBfloat16(1.01171875f)); // tie to even (up)
        assertTrue(isBfloat16NaN(HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x7f800001)))); // sNaN stays NaN
    }

    @Test
    void bulkConvertersMatchScalarAtUnalignedPositions() {
        int n = 1001;
        SplittableRandom rnd = new SplittableRandom(3);
        for (DType t : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            ByteBuffer floats = direct(4 * n + 8);
            for (int i = 0; i < n; i++) {
                floats.putFloat(3 + 4 * i, (float) (rnd.nextGaussian() * Math.scalb(1.0, rnd.nextInt(-30, 20))));
            }
            ByteBuffer halves = direct(2 * n + 8);
            HalfFloats.floatsToHalves(t, floats, 3, halves, 5, n);
            ByteBuffer back = direct(4 * n + 8);
            HalfFloats.halvesToFloats(t, halves, 5, back, 1, n);
            for (int i = 0; i < n; i++) {
                float f = floats.getFloat(3 + 4 * i);
                short h = t == DType.FLOAT16 ? HalfFloats.floatToHalf(f) : HalfFloats.floatToBfloat16(f);
                assertEquals(h, halves.getShort(5 + 2 * i), t + " element " + i);
                float w = t == DType.FLOAT16 ? HalfFloats.halfToFloat(h) : HalfFloats.bfloat16ToFloat(h);
                assertEquals(w, back.getFloat(1 + 4 * i), 0f);
            }
            // in place, sharing the start byte, both ways
            ByteBuffer inPlace = direct(4 * n);
            inPlace.put(0, floats, 3, 4 * n);
            HalfFloats.floatsToHalves(t, inPlace, 0, inPlace, 0, n);
            HalfFloats.halvesToFloats(t, inPlace, 0, inPlace, 0, n);
            for (int i = 0; i < n; i++) {
                assertEquals(back.getFloat(1 + 4 * i), inPlace.getFloat(4 * i), 0f, "in place " + t + " " + i);
            }
            assertEquals(0, floats.position());
            assertEquals(floats.capacity(), floats.limit());
        }
        assertThrows(IllegalArgumentException.class,
                () -> HalfFloats.floatsToHalves(DType.FLOAT32, direct(8), 0, direct(8), 0, 1));
        assertThrows(IllegalArgumentException.class,
                () -> HalfFloats.halvesToFloats(DType.INT32, direct(8), 0, direct(8), 0, 1));
        assertThrows(IndexOutOfBoundsException.class,
                () -> HalfFloats.floatsToHalves(DType.FLOAT16, direct(8), 1, direct(8), 0, 2));
    }

    private static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    private static String hex(short h) {
        return String.format("0x%04x", h & 0xffff);
    }
}
