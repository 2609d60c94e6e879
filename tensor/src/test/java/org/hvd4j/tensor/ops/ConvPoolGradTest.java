package org.hvd4j.tensor.ops;

import static org.hvd4j.tensor.ops.ArithGradTest.report;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Shape;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Gradient checks of conv2d over several geometries, and of max / average pooling. */
class ConvPoolGradTest {
    private static final Backend B = CpuBackend.get();

    @ParameterizedTest(name = "N={0} C={1} H={2} W={3} O={4} k={5}x{6} s={7}x{8} p={9}x{10} bias={11}")
    @CsvSource({
        "2, 3, 5, 5, 2, 3, 3, 1, 1, 1, 1, true",
        "2, 2, 7, 6, 3, 3, 3, 2, 2, 1, 1, true",
        "1, 2, 6, 9, 3, 2, 4, 1, 2, 0, 1, false",
        "2, 1, 5, 4, 2, 5, 3, 2, 1, 2, 0, false",
        "1, 3, 4, 4, 2, 1, 1, 1, 1, 0, 0, true"})
    void conv2d(int n, int c, int h, int w, int o, int kh, int kw, int sh, int sw, int ph, int pw, boolean withBias) {
        Random rng = new Random(n + 10L * c + 100L * h + 1000L * w + kh + sh + ph);
        Tensor x = GradCheck.uniform(B, rng, -1, 1, n, c, h, w);
        Tensor wt = GradCheck.uniform(B, rng, -0.5, 0.5, o, c, kh, kw);
        Tensor b = withBias ? GradCheck.uniform(B, rng, -1, 1, o) : null;
        Tensor y = Convolution.conv2d(x, wt, b, sh, sw, ph, pw);
        assertEquals(Shape.of(n, o, (h + 2 * ph - kh) / sh + 1, (w + 2 * pw - kw) / sw + 1), y.shape());
        report(GradCheck.check("conv2d " + y.shape(), in -> Convolution.conv2d(in[0], in[1], in[2], sh, sw, ph, pw),
                x, wt, b));
    }

    @Test
    void conv2dForwardAgainstDirectLoop() {
        Random rng = new Random(7);
        int n = 2, c = 2, h = 5, w = 6, o = 3, k = 3, s = 2, p = 1;
        Tensor x = GradCheck.uniform(B, rng, -1, 1, n, c, h, w);
        Tensor wt = GradCheck.uniform(B, rng, -1, 1, o, c, k, k);
        Tensor b = GradCheck.uniform(B, rng, -1, 1, o);
        float[] y = Convolution.conv2d(x, wt, b, s, s, p, p).toFloatArray();
        float[] xv = x.toFloatArray();
        float[] wv = wt.toFloatArray();
        float[] bv = b.toFloatArray();
        int oh = (h + 2 * p - k) / s + 1;
        int ow = (w + 2 * p - k) / s + 1;
        for (int i = 0; i < n; i++) {
            for (int oc = 0; oc < o; oc++) {
                for (int r = 0; r < oh; r++) {
                    for (int q = 0; q < ow; q++) {
                        double acc = bv[oc];
                        for (int ch = 0; ch < c; ch++) {
                            for (int a = 0; a < k; a++) {
                                for (int e = 0; e < k; e++) {
                                    int iy = r * s - p + a;
                                    int ix = q * s - p + e;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                        acc += wv[((oc * c + ch) * k + a) * k + e] * xv[((i * c + ch) * h + iy) * w + ix];
                                    }
                                }
                            }
                        }
                        assertEquals(acc, y[((i * o + oc) * oh + r) * ow + q], 1e-5);
                    }
                }
            }
        }
    }

    @Test
    void conv2dErrorsNameTheTensors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Convolution.conv2d(
                Tensor.zeros(B, 1, 3, 5, 5), Tensor.zeros(B, 2, 4, 3, 3).name("conv1.weight"), null, 1, 1, 0, 0));
        assertTrue(e.getMessage().contains("'conv1.weight'") && e.getMessage().contains("3 channels"), e.getMessage());
    }

    @Test
    void maxPoolWithAndWithoutPadding() {
        Random rng = new Random(8);
        // distinct values 0.05 apart: a ±0.01 perturbation never changes a window's maximum
        Tensor x = GradCheck.distinct(B, rng, 0.05, 2, 2, 5, 6);
        report(GradCheck.check("maxPool 2x2 s2", in -> Pooling.maxPool2d(in[0], 2, 2, 2, 2, 0, 0), x));
        report(GradCheck.check("maxPool 3x3 s2 p1", in -> Pooling.maxPool2d(in[0], 3, 3, 2, 2, 1, 1), x));
        report(GradCheck.check("maxPool 3x2 s1 p1x1 (overlapping)", in -> Pooling.maxPool2d(in[0], 3, 2, 1, 1, 1, 1), x));
    }

    @Test
    void avgPoolWithAndWithoutPadding() {
        Random rng = new Random(9);
        Tensor x = GradCheck.uniform(B, rng, -1, 1, 2, 2, 5, 6);
        report(GradCheck.check("avgPool 2x2 s2", in -> Pooling.avgPool2d(in[0], 2, 2, 2, 2, 0, 0), x));
        report(GradCheck.check("avgPool 3x3 s2 p1", in -> Pooling.avgPool2d(in[0], 3, 3, 2, 2, 1, 1), x));
        report(GradCheck.check("avgPool 3x2 s1 p1x1", in -> Pooling.avgPool2d(in[0], 3, 2, 1, 1, 1, 1), x));
    }

    @Test
    void smallCnnEndToEnd() {
        Random rng = new Random(10);
        Tensor x = GradCheck.uniform(B, rng, -1, 1, 2, 1, 6, 6);
        Tensor w1 = GradCheck.uniform(B, rng, -0.5, 0.5, 2, 1, 3, 3);
        Tensor b1 = GradCheck.uniform(B, rng, -0.1, 0.1, 2);
        Tensor w2 = GradCheck.uniform(B, rng, -0.5, 0.5, 3, 8);
        Tensor labels = Tensor.ofInts(B, new int[] {2, 0}, 2);
        // smooth pieces only (tanh, avg pool) so that composite inputs cannot land on a kink
        report(GradCheck.check("conv-tanh-avgpool-linear-crossEntropy", in -> Losses.crossEntropy(
                Arith.linear(Pooling.avgPool2d(Activations.tanh(Convolution.conv2d(in[0], in[1], in[2], 1, 1, 0, 0)),
                        2, 2, 2, 2, 0, 0).flatten(1), in[3], null), in[4]), x, w1, b1, w2, labels));
    }
}
