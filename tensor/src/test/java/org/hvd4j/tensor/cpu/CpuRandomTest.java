package org.hvd4j.tensor.cpu;

import static org.hvd4j.tensor.cpu.KernelTestSupport.B;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.hvd4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The counter-based dropout mask: reproducible, seed-dependent, with the right statistics. */
class CpuRandomTest {
    private static final int N = 100_000;

    private static float[] mask(long seed, float p, int n) {
        Tensor m = Tensor.empty(B, n);
        B.dropoutMask(seed, p, m);
        return m.toFloatArray();
    }

    @Test
    void equalSeedsGiveEqualMasksAndDifferentSeedsDifferentOnes() {
        float[] a = mask(42, 0.5f, N);
        assertArrayEquals(a, mask(42, 0.5f, N));
        float[] b = mask(43, 0.5f, N);
        int differ = 0;
        for (int i = 0; i < N; i++) {
            if (a[i] != b[i]) {
                differ++;
            }
        }
        // independent masks with p = 1/2 differ in half the places: 50000 ± 3·158
        assertEquals(N / 2.0, differ, 3 * Math.sqrt(N * 0.25), "elements differing between seeds 42 and 43");
        // element i depends only on (seed, i): a shorter mask is a prefix of a longer one
        assertArrayEquals(Arrays.copyOf(a, 1000), mask(42, 0.5f, 1000));
    }

    @Test
    void maskIndependentOfThreadCount() {
        int before = CpuBackend.threads();
        try {
            CpuBackend.setThreads(1);
            float[] one = mask(7, 0.3f, N);
            CpuBackend.setThreads(2);
            assertArrayEquals(one, mask(7, 0.3f, N));
        } finally {
            CpuBackend.setThreads(before);
        }
    }

    @Test
    void zeroFractionWithinThreeSigmaAndKeptValuesScaled() {
        for (float p : new float[] {0.1f, 0.5f, 0.8f}) {
            float[] m = mask(1234 + (long) (p * 10), p, N);
            int zeros = 0;
            float keep = 1f / (1f - p);
            for (float v : m) {
                if (v == 0f) {
                    zeros++;
                } else {
                    assertEquals(keep, v, 0f, "kept elements are scaled by 1/(1-p)");
                }
            }
            double sigma = Math.sqrt(N * p * (1 - p));
            assertEquals(N * (double) p, zeros, 3 * sigma, "zeros for p=" + p);
        }
    }

    @Test
    void extremesAndUniformRange() {
        for (float v : mask(9, 0f, 1000)) {
            assertEquals(1f, v, 0f);
        }
        for (float v : mask(9, 1f, 1000)) {
            assertEquals(0f, v, 0f);
        }
        double sum = 0;
        for (int i = 0; i < N; i++) {
            float u = CpuRandom.uniform(5, i);
            assertTrue(u >= 0f && u < 1f, "uniform out of [0, 1): " + u);
            sum += u;
        }
        // mean of N uniforms: 1/2 ± 3·sqrt(1/12/N)
        assertEquals(0.5, sum / N, 3 * Math.sqrt(1.0 / 12 / N));
        assertFalse(CpuRandom.uniform(5, 0) == CpuRandom.uniform(6, 0));
    }
}
