package org.hvd4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import org.hvd4j.nn.fixtures.Fixture;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;

/**
 * Comparison of our float32 results with PyTorch's, elementwise as {@code numpy.allclose}:
 * {@code |actual - expected| <= atol + rtol·|expected|}. The failure message names the tensor, the
 * worst element, and the largest absolute and relative errors, so a tolerance can be judged from it.
 *
 * <p>Default tolerance: {@link #RTOL} 1e-5 relative, {@link #ATOL} 1e-6 absolute. float32 has a
 * unit round-off of 6e-8; the layers here combine a handful to a few dozen float32 terms, whose
 * accumulated rounding (in a different order from PyTorch's kernels) stays well under 1e-5
 * relative. The absolute floor 1e-6 only matters for values near zero (for example a gradient that
 * is a difference of nearly equal terms), where a relative bound is meaningless.
 */
public final class Approx {
    public static final double RTOL = 1e-5;
    public static final double ATOL = 1e-6;

    private static final Backend CPU = CpuBackend.get();

    private Approx() {
    }

    /** The fixture's float tensor on the CPU backend (a constant: no gradient). */
    public static Tensor tensor(Fixture f, String name) {
        return Tensor.of(CPU, f.floats(name), f.shape(name));
    }

    /** The fixture's float tensor as a leaf that requires a gradient. */
    public static Tensor leaf(Fixture f, String name) {
        return tensor(f, name).requiresGrad(true);
    }

    /** The fixture's integer array as an INT32 tensor. */
    public static Tensor ints(Fixture f, String name) {
        return Tensor.ofInts(CPU, f.ints(name), f.intsShape(name));
    }

    /** Overwrites the values of {@code target} (a parameter or buffer) with the fixture's tensor. */
    public static void load(Fixture f, String name, Tensor target) {
        assertArrayEquals(f.shape(name), target.shape().dims(), "shape of " + name);
        float[] v = f.floats(name);
        target.backend().copyIn(v, 0, target, 0, v.length);
    }

    /** {@code actual}'s shape and values equal the fixture's tensor {@code name} within the default tolerance. */
    public static void assertMatches(Fixture f, String name, Tensor actual) {
        assertMatches(f, name, actual, RTOL, ATOL);
    }

    public static void assertMatches(Fixture f, String name, Tensor actual, double rtol, double atol) {
        String what = f.name() + ": " + name;
        assertNotNull(actual, what + " is null (no gradient reached it?)");
        assertArrayEquals(f.shape(name), actual.shape().dims(), "shape of " + what);
        assertClose(what, f.floats(name), actual.toFloatArray(), rtol, atol);
    }

    public static void assertClose(String what, float[] expected, float[] actual, double rtol, double atol) {
        assertEquals(expected.length, actual.length, "length of " + what);
        int worst = -1;
        double worstExcess = 0;
        double maxAbs = 0;
        double maxRel = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            double err = Math.abs(a - e);
            if (!(err <= atol + rtol * Math.abs(e))) { // NaN fails too
                double excess = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err - (atol + rtol * Math.abs(e));
                if (worst < 0 || excess > worstExcess) {
                    worst = i;
                    worstExcess = excess;
                }
            }
            maxAbs = Math.max(maxAbs, err);
            if (e != 0) {
                maxRel = Math.max(maxRel, err / Math.abs(e));
            }
        }
        if (worst >= 0) {
            fail(String.format("%s: element %d is %s, expected %s (rtol %.1e, atol %.1e); max abs error %.3e,"
                            + " max rel error %.3e over %d elements", what, worst, actual[worst], expected[worst],
                    rtol, atol, maxAbs, maxRel, expected.length));
        }
    }

    public static void assertClose(String what, double expected, double actual, double rtol, double atol) {
        double err = Math.abs(actual - expected);
        if (!(err <= atol + rtol * Math.abs(expected))) {
            fail(String.format("%s: %s, expected %s (abs error %.3e, rel error %.3e; rtol %.1e, atol %.1e)", what,
                    actual, expected, err, err / Math.abs(expected), rtol, atol));
        }
    }
}
