package org.hvd4j.nn.io;

import java.util.Random;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.init.Rng;
import org.hvd4j.nn.models.Models;
import org.hvd4j.nn.optim.Adam;
import org.hvd4j.nn.optim.Optimizer;
import org.hvd4j.nn.optim.Sgd;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.TensorScope;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.hvd4j.tensor.ops.Losses;

/** Small training runs on random data for the checkpoint tests. */
final class Steps {
    private Steps() {
    }

    static Module model(String name, long seed) {
        Rng.manualSeed(seed);
        return Models.create(name, CpuBackend.get());
    }

    static Optimizer sgd(Module m) {
        return new Sgd(m.parameters(), 0.05f, 0.9f, 0f, 1e-4f, false);
    }

    static Optimizer adam(Module m) {
        return Adam.adam(m.parameters(), 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-4f);
    }

    /** Steps {@code from .. to-1} of a fixed random stream of batches (batch k depends on k only). */
    static void train(Module m, Optimizer opt, int from, int to, boolean images) {
        for (int k = from; k < to; k++) {
            Random r = new Random(1000 + k);
            int n = 8;
            float[] x = new float[n * 784];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = r.nextInt(10);
            }
            try (TensorScope s = TensorScope.open()) {
                Tensor xt = images ? Tensor.of(CpuBackend.get(), x, n, 1, 28, 28) : Tensor.of(CpuBackend.get(), x, n, 784);
                opt.zeroGrad();
                Tensor loss = Losses.crossEntropy(m.forward(xt), Tensor.ofInts(CpuBackend.get(), y, n), 0f);
                loss.backward();
                opt.step();
            }
        }
    }

    static TrainingState at(long step, String model) {
        return new TrainingState(step / 10, step % 10, step, 100, 42, 8, 1, true, model);
    }
}
