package org.hvd4j.tensor.cpu;

import static org.hvd4j.tensor.cpu.KernelTestSupport.B;
import static org.hvd4j.tensor.cpu.KernelTestSupport.assertClose;
import static org.hvd4j.tensor.cpu.KernelTestSupport.tensor;
import static org.hvd4j.tensor.cpu.KernelTestSupport.uniform;

import java.util.Random;
import org.hvd4j.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Batch-norm statistics, forward and training backward over {@code x[N, C, inner]} in double. */
class CpuNormTest {

    @ParameterizedTest(name = "N={0} C={1} inner={2}")
    @CsvSource({"8, 3, 1", "4, 5, 6", "2, 2, 49", "1, 4, 9"})
    void statsForwardBackward(int n, int c, int inner) {
        Random rng = new Random(n * 31 + c * 7 + inner);
        int size = n * c * inner;
        float[] x = uniform(rng, size, -2, 3);
        for (int i = 0; i < size; i++) {
            x[i] += 10f * ((i / inner) % c); // per-channel means up to 40: E[x²]-m² must not cancel badly
        }
        float[] gamma = uniform(rng, c, 0.5, 1.5);
        float[] beta = uniform(rng, c);
        float[] gy = uniform(rng, size);
        float eps = 1e-5f;
        double count = (double) n * inner;

        double[] mean = new double[c];
        double[] var = new double[c];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < inner; i++) {
                    mean[ch] += x[(b * c + ch) * inner + i] / count;
                }
            }
        }
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < inner; i++) {
                    double d = x[(b * c + ch) * inner + i] - mean[ch];
                    var[ch] += d * d / count;
                }
            }
        }
        Tensor xt = tensor(x, n, c, inner);
        Tensor mt = Tensor.empty(B, c);
        Tensor vt = Tensor.empty(B, c);
        B.batchNormStats(xt, n, c, inner, mt, vt);
        assertClose("mean", mean, mt.toFloatArray(), 0, 1e-6);
        // var from E[x²]-m² in double at |m| ~ 40: relative error ~1e-16·m²/var, still tiny
        assertClose("biased var", var, vt.toFloatArray(), 1e-6, 1e-5);

        double[] inv = new double[c];
        for (int ch = 0; ch < c; ch++) {
            inv[ch] = 1.0 / Math.sqrt(var[ch] + eps);
        }
        Tensor it = Tensor.empty(B, c);
        B.inverseStd(vt, eps, it);
        assertClose("invStd", inv, it.toFloatArray(), 0, 1e-5);

        Tensor y = Tensor.empty(B, size);
        B.batchNormForward(xt, mt, it, tensor(gamma, c), tensor(beta, c), n, c, inner, y);
        double[] expY = new double[size];
        double[] xhat = new double[size];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < inner; i++) {
                    int at = (b * c + ch) * inner + i;
                    xhat[at] = (x[at] - mean[ch]) * inv[ch];
                    expY[at] = xhat[at] * gamma[ch] + beta[ch];
                }
            }
        }
        // x ~ 40 in float has an ulp of 4e-6; the fused scale/shift form cancels about that much
        assertClose("forward", expY, y.toFloatArray(), 1e-4, 1e-5);

        double[] sumG = new double[c];
        double[] sumGx = new double[c];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < inner; i++) {
                    int at = (b * c + ch) * inner + i;
                    sumG[ch] += gy[at];
                    sumGx[ch] += gy[at] * xhat[at];
                }
            }
        }
        double[] expGx = new double[size];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < inner; i++) {
                    int at = (b * c + ch) * inner + i;
                    expGx[at] = gamma[ch] * inv[ch] / count * (count * gy[at] - sumG[ch] - xhat[at] * sumGx[ch]);
                }
            }
        }
        Tensor gx = Tensor.empty(B, size);
        Tensor gg = Tensor.full(B, 9f, c);
        Tensor gb = Tensor.full(B, 9f, c);
        B.batchNormBackward(tensor(gy, size), xt, mt, it, tensor(gamma, c), n, c, inner, gx, gg, gb);
        assertClose("gradIn", expGx, gx.toFloatArray(), 1e-4, 1e-4);
        assertClose("gradGamma (overwritten)", sumGx, gg.toFloatArray(), 1e-4, 1e-4);
        assertClose("gradBeta (overwritten)", sumG, gb.toFloatArray(), 1e-5, 1e-5);

        // without gradIn the parameter gradients are still produced
        Tensor gg2 = Tensor.empty(B, c);
        Tensor gb2 = Tensor.empty(B, c);
        B.batchNormBackward(tensor(gy, size), xt, mt, it, tensor(gamma, c), n, c, inner, null, gg2, gb2);
        org.junit.jupiter.api.Assertions.assertArrayEquals(gg.toFloatArray(), gg2.toFloatArray(), 0f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(gb.toFloatArray(), gb2.toFloatArray(), 0f);
    }
}
