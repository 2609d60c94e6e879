package org.hvd4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.ops.GradCheck;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * BatchNorm1d ({@code [N, C]}) and BatchNorm2d ({@code [N, C, H, W]}): gradients of the input and
 * of γ ({@code weight}) and β ({@code bias}). In training mode the output depends on the batch
 * statistics, so the input gradient includes their terms; in evaluation mode the running
 * statistics are constants. γ and β are set to non-trivial values (not the initial 1 and 0), and the
 * running statistics to values away from the initial 0 and 1.
 */
class BatchNormGradCheckTest extends LayerGradCheckTest {

    @ParameterizedTest(name = "rank {0}, training {1}")
    @CsvSource({"2, true", "2, false", "4, true", "4, false"})
    void batchNorm(int rank, boolean training) {
        Random rng = new Random(rank * 10L + (training ? 1 : 0));
        int c = rank == 2 ? 4 : 2;
        BatchNorm bn = rank == 2 ? BatchNorm.d1(B, c) : BatchNorm.d2(B, c);
        fill(bn.weight(), rng, 0.5, 1.5);
        fill(bn.bias(), rng, -1, 1);
        fill(bn.runningMean(), rng, -0.5, 0.5);
        fill(bn.runningVar(), rng, 0.5, 2);
        if (training) {
            bn.train();
        } else {
            bn.eval();
        }
        Tensor x = rank == 2 ? GradCheck.uniform(B, rng, -2, 2, 6, c) : GradCheck.uniform(B, rng, -2, 2, 3, c, 3, 4);
        float[] mean = bn.runningMean().toFloatArray();
        float[] var = bn.runningVar().toFloatArray();
        GradCheck.Fn f = in -> bn.forward(in[0]);
        check("BatchNorm" + (rank == 2 ? "1d" : "2d") + " " + (training ? "train" : "eval") + " " + x.shape(), f, x,
                bn.weight(), bn.bias());
        assertCatchesSkew("BatchNorm", f, x, bn.weight(), bn.bias());
        if (!training) {
            assertArrayEquals(mean, bn.runningMean().toFloatArray(), 0f, "eval mode leaves running_mean alone");
            assertArrayEquals(var, bn.runningVar().toFloatArray(), 0f, "eval mode leaves running_var alone");
        }
    }
}
