package org.hvd4j.allreduce;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.hvd4j.allreduce.runtime.RuntimeConfig;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.layers.Linear;
import org.hvd4j.nn.optim.Sgd;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.TensorScope;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.hvd4j.tensor.ops.Losses;
import org.junit.jupiter.api.Test;

/**
 * The distributed optimizer on ranks as threads: the averaged gradient each rank steps with, for
 * every option. The model is one Linear layer with known weights and a loss whose gradient is
 * easy to predict: {@code loss = mean(W x) * k} makes {@code dL/dW} proportional to {@code k}.
 */
class DistributedOptimizerTest {
    private static final Backend CPU = CpuBackend.get();

    /** A layer 2 -> 1 with weights [1, 1]; returns the weight gradient each rank stepped with (lr 1). */
    private static List<float[]> stepOnce(int ranks, DistributedOptimizerBuilder b, int passes) throws Exception {
        return LocalJob.run(ranks, RuntimeConfig.defaults(), rt -> {
            Linear lin = new Linear(CPU, 2, 1, false, new org.hvd4j.nn.init.Rng(1));
            CPU.fill(lin.namedParameters().get("weight"), 1f);
            DistributedOptimizer opt = b.build(new Sgd(lin.parameters(), 1f, 0f, 0f, 0f, false), rt);
            try (TensorScope s = TensorScope.open()) {
                for (int p = 0; p < passes; p++) {
                    // rank r: x = [r+1, 2(r+1)], so dL/dW = x * (pass + 1)
                    Tensor x = Tensor.of(CPU, new float[] {rt.rank() + 1, 2 * (rt.rank() + 1)}, 1, 2);
                    Tensor y = Losses.mse(lin.forward(x), Tensor.zeros(CPU, 1, 1));
                    y.backward();
                }
                opt.step();
            }
            float[] w = lin.namedParameters().get("weight").toFloatArray();
            return new float[] {1 - w[0], 1 - w[1]}; // the gradient applied, lr = 1
        });
    }

    private interface DistributedOptimizerBuilder {
        DistributedOptimizer build(Sgd inner, HvdRuntime rt);
    }

    @Test
    void averagesSumsAndCompresses() throws Exception {
        // d/dW (W x)^2 = 2 (W x) x with W = [1, 1]: rank r has 2 * 3(r+1) * [r+1, 2(r+1)]
        // ranks 0, 1, 2: 6*[1,2], 24*[1,2], 54*[1,2] = [6,12], [24,48], [54,108]; mean [28, 56]
        List<float[]> avg = stepOnce(3, (o, rt) -> DistributedOptimizer.builder(o).runtime(rt).build(), 1);
        List<float[]> sum = stepOnce(3, (o, rt) -> DistributedOptimizer.builder(o).runtime(rt).op(Reduction.SUM).build(), 1);
        List<float[]> fp16 = stepOnce(3, (o, rt) -> DistributedOptimizer.builder(o).runtime(rt)
                .compression(Compression.FP16).gradientPredivideFactor(3).build(), 1);
        List<float[]> scaled = stepOnce(3, (o, rt) -> DistributedOptimizer.builder(o).runtime(rt).op(Reduction.SUM)
                .scaleFactors(0.5, 0.25).bucketBytes(0).build(), 1);
        for (int r = 0; r < 3; r++) {
            assertEquals(28f, avg.get(r)[0], 1e-5);
            assertEquals(56f, avg.get(r)[1], 1e-5);
            assertEquals(84f, sum.get(r)[0], 1e-5);
            assertEquals(168f, sum.get(r)[1], 1e-5);
            assertEquals(84f * 0.125f, scaled.get(r)[0], 1e-5);
            assertEquals(168f * 0.125f, scaled.get(r)[1], 1e-5);
            assertEquals(28f, fp16.get(r)[0], 28f * 1e-3); // fp16 keeps ~3 decimal digits
            assertEquals(56f, fp16.get(r)[1], 56f * 1e-3);
        }
    }

    @Test
    void backwardPassesAccumulateBeforeOneAllreduce() throws Exception {
        List<float[]> acc = stepOnce(2, (o, rt) -> DistributedOptimizer.builder(o).runtime(rt).backwardPassesPerStep(3)
                .build(), 3);
        // ranks 0, 1 per pass: [6,12], [24,48]; three passes add up: [18,36], [72,144]; mean [45, 90]
        for (float[] g : acc) {
            assertEquals(45f, g[0], 1e-4);
            assertEquals(90f, g[1], 1e-4);
        }
    }

    @Test
    void aParameterWithoutGradientOnOneRankIsStillAveraged() throws Exception {
        List<float[]> out = LocalJob.run(2, RuntimeConfig.defaults(), rt -> {
            Linear a = new Linear(CPU, 1, 1, false, new org.hvd4j.nn.init.Rng(1));
            Linear b = new Linear(CPU, 1, 1, false, new org.hvd4j.nn.init.Rng(1));
            CPU.fill(a.namedParameters().get("weight"), 1f);
            CPU.fill(b.namedParameters().get("weight"), 1f);
            a.namedParameters().get("weight").name("a.weight");
            b.namedParameters().get("weight").name("b.weight");
            List<Tensor> ps = List.of(a.namedParameters().get("weight"), b.namedParameters().get("weight"));
            DistributedOptimizer opt = DistributedOptimizer.builder(new Sgd(ps, 1f, 0f, 0f, 0f, false)).runtime(rt).build();
            try (TensorScope s = TensorScope.open()) {
                Tensor x = Tensor.of(CPU, new float[] {1}, 1, 1);
                // only rank 0 uses layer b: its gradient must still be averaged (with rank 1's zeros)
                Module used = rt.rank() == 0 ? b : a;
                Losses.mse(used.forward(x), Tensor.zeros(CPU, 1, 1)).backward();
                opt.step();
            }
            return new float[] {1 - ps.get(0).toFloatArray()[0], 1 - ps.get(1).toFloatArray()[0]};
        });
        // d/dw (w x)^2 = 2 at w = x = 1: a gets [0 (rank 0), 2 (rank 1)] -> 1; b gets [2, 0] -> 1
        for (float[] g : out) {
            assertEquals(1f, g[0], 1e-6);
            assertEquals(1f, g[1], 1e-6);
        }
    }
}
