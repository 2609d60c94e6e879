package org.hvd4j.allreduce.comm;

/**
 * Test oracle for the 16-bit formats, written independently of {@link org.hvd4j.tensor.HalfFloats}: values are
 * decoded with {@link Math#scalb} and rounded by {@link Math#rint} (ties to even) on an exactly
 * scaled double, so no bit trick is shared with the code under test.
 */
final class HalfReference {
    private HalfReference() {
    }

    /** The binary16 value of {@code h}. */
    static double halfValue(short h) {
        int exp = (h >> 10) & 0x1f;
        int frac = h & 0x3ff;
        double sign = (h & 0x8000) != 0 ? -1 : 1;
        if (exp == 31) {
            return frac == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        }
        return exp == 0 ? sign * Math.scalb((double) frac, -24) : sign * Math.scalb(1024.0 + frac, exp - 25);
    }

    /** The bfloat16 value of {@code b}. */
    static double bfloat16Value(short b) {
        int exp = (b >> 7) & 0xff;
        int frac = b & 0x7f;
        double sign = (b & 0x8000) != 0 ? -1 : 1;
        if (exp == 255) {
            return frac == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        }
        return exp == 0 ? sign * Math.scalb((double) frac, -133) : sign * Math.scalb(128.0 + frac, exp - 134);
    }

    /** {@code d} rounded to binary16, ties to even; a NaN gives 0x7e00. */
    static short toHalf(double d) {
        return round(d, 10, -14, 15);
    }

    /** {@code d} rounded to bfloat16, ties to even; a NaN gives 0x7fc0. */
    static short toBfloat16(double d) {
        return round(d, 7, -126, 127);
    }

    /**
     * Rounds to a format with {@code fracBits} fraction bits, smallest normal exponent
     * {@code minExp} and bias {@code bias} (so the exponent field 2*bias+1 means Inf/NaN).
     */
    private static short round(double d, int fracBits, int minExp, int bias) {
        int expMask = 2 * bias + 1;
        if (Double.isNaN(d)) {
            return (short) (expMask << fracBits | 1 << (fracBits - 1));
        }
        int sign = Double.doubleToRawLongBits(d) < 0 ? 0x8000 : 0;
        double a = Math.abs(d);
        int one = 1 << fracBits;
        if (Double.isInfinite(a)) {
            return (short) (sign | expMask << fracBits);
        }
        int e = Math.max(Math.getExponent(a), minExp);
        double m = Math.rint(a / Math.scalb(1.0, e - fracBits)); // exact scaling, then ties-to-even
        if (m == 2 * one) {
            e++;
            m = one;
        }
        if (m < one) {
            return (short) (sign | (int) m); // subnormal or zero (only when e == minExp)
        }
        int field = e + bias;
        if (field >= expMask) {
            return (short) (sign | expMask << fracBits); // overflow
        }
        return (short) (sign | field << fracBits | ((int) m - one));
    }

    static boolean isHalfNaN(short h) {
        return (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
    }

    static boolean isBfloat16NaN(short b) {
        return (b & 0x7f80) == 0x7f80 && (b & 0x7f) != 0;
    }
}
