package org.hvd4j.tensor.cpu;

import static org.hvd4j.tensor.cpu.KernelTestSupport.B;
import static org.hvd4j.tensor.cpu.KernelTestSupport.assertClose;
import static org.hvd4j.tensor.cpu.KernelTestSupport.tensor;
import static org.hvd4j.tensor.cpu.KernelTestSupport.uniform;

import java.util.Random;
import org.hvd4j.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SGD and Adam update kernels over several steps against a double implementation of the formulas
 * in the {@link org.hvd4j.tensor.Backend} Javadoc (which are PyTorch's).
 */
class CpuOptimTest {
    private static final int N = 3 * CpuElementwise.GRAIN + 3; // parallel path
    private static final int STEPS = 4;

    @ParameterizedTest(name = "momentum={0} dampening={1} wd={2} nesterov={3}")
    @CsvSource({
        "0, 0, 0, false", "0, 0, 0.01, false", "0.9, 0, 0, false", "0.9, 0.1, 0.001, false",
        "0.9, 0, 0.01, true"})
    void sgdMatchesFormula(float momentum, float dampening, float wd, boolean nesterov) {
        Random rng = new Random(Float.floatToIntBits(momentum + dampening + wd) + (nesterov ? 1 : 0));
        float lr = 0.05f;
        float[] p0 = uniform(rng, N);
        Tensor p = tensor(p0, N);
        Tensor buf = momentum != 0f ? Tensor.full(B, Float.NaN, N) : null; // first step must not read it
        double[] pd = KernelTestSupport.toDouble(p0);
        double[] bd = new double[N];
        for (int step = 0; step < STEPS; step++) {
            float[] g = uniform(rng, N);
            B.sgdUpdate(p, tensor(g, N), buf, lr, momentum, dampening, wd, nesterov, step == 0);
            for (int i = 0; i < N; i++) {
                double d = g[i] + (double) wd * pd[i];
                if (momentum != 0f) {
                    bd[i] = step == 0 ? d : momentum * bd[i] + (1 - dampening) * d;
                    d = nesterov ? d + momentum * bd[i] : bd[i];
                }
                pd[i] -= lr * d;
            }
            assertClose("sgd param after step " + (step + 1), pd, p.toFloatArray(), 1e-6, 1e-6);
            if (buf != null) {
                assertClose("sgd momentum buffer after step " + (step + 1), bd, buf.toFloatArray(), 1e-6, 1e-6);
            }
        }
    }

    @ParameterizedTest(name = "wd={0} decoupled={1}")
    @CsvSource({"0, false", "0.01, false", "0.01, true", "0.1, true"})
    void adamMatchesFormula(float wd, boolean decoupled) {
        Random rng = new Random(Float.floatToIntBits(wd) + (decoupled ? 1 : 0));
        float lr = 1e-2f;
        float b1 = 0.9f;
        float b2 = 0.999f;
        float eps = 1e-8f;
        float[] p0 = uniform(rng, N);
        Tensor p = tensor(p0, N);
        Tensor m = Tensor.zeros(B, N);
        Tensor v = Tensor.zeros(B, N);
        double[] pd = KernelTestSupport.toDouble(p0);
        double[] md = new double[N];
        double[] vd = new double[N];
        for (int t = 1; t <= STEPS; t++) {
            float[] g = uniform(rng, N);
            B.adamUpdate(p, tensor(g, N), m, v, lr, b1, b2, eps, wd, decoupled, t);
            for (int i = 0; i < N; i++) {
                double gi = g[i];
                if (decoupled) {
                    pd[i] *= 1 - (double) lr * wd;
                } else {
                    gi += wd * pd[i];
                }
                md[i] = b1 * md[i] + (1 - (double) b1) * gi;
                vd[i] = b2 * vd[i] + (1 - (double) b2) * gi * gi;
                double mhat = md[i] / (1 - Math.pow(b1, t));
                double vhat = vd[i] / (1 - Math.pow(b2, t));
                pd[i] -= lr * mhat / (Math.sqrt(vhat) + eps);
            }
            assertClose("adam m after step " + t, md, m.toFloatArray(), 1e-7, 1e-5);
            assertClose("adam v after step " + t, vd, v.toFloatArray(), 1e-9, 1e-5);
            assertClose("adam param after step " + t, pd, p.toFloatArray(), 1e-6, 1e-6);
        }
    }
}
