package org.hvd4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.hvd4j.tensor.Tensor;

/** Shared helpers of the CPU kernel tests: seeded random data and tolerance checks in double. */
final class KernelTestSupport {
    static final CpuBackend B = CpuBackend.get();

    private KernelTestSupport() {
    }

    /** {@code n} values uniform in {@code [lo, hi)}. */
    static float[] uniform(Random rng, int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        }
        return v;
    }

    static float[] uniform(Random rng, int n) {
        return uniform(rng, n, -1, 1);
    }

    static Tensor tensor(float[] data, int... dims) {
        return Tensor.of(B, data, dims);
    }

    static Tensor ints(int[] data, int... dims) {
        return Tensor.ofInts(B, data, dims);
    }

    /**
     * Asserts {@code |expected[i] - actual[i]| <= atol + rtol·|expected[i]|} for every i, reporting
     * the first offending index.
     */
    static void assertClose(String what, double[] expected, float[] actual, double atol, double rtol) {
        if (expected.length != actual.length) {
            fail(what + ": expected " + expected.length + " values, got " + actual.length);
        }
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]);
            if (!(err <= atol + rtol * Math.abs(expected[i]))) {
                fail(what + ": element " + i + " expected " + expected[i] + " but was " + actual[i]
                        + " (error " + err + ")");
            }
        }
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
