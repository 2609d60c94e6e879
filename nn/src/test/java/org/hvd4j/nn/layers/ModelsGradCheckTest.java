package org.hvd4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.Sequential;
import org.hvd4j.nn.init.Rng;
import org.hvd4j.nn.models.Models;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.autograd.GradMode;
import org.hvd4j.tensor.ops.GradCheck;
import org.hvd4j.tensor.ops.Normalization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whole Sequential models: the built-in {@code mlp} (784→512→256→10 with ReLU) and, since the
 * built-in {@code cnn-bn} is too large to check element by element, a small model with the same
 * layer sequence (conv → BatchNorm2d → ReLU → max-pool → flatten → linear).
 *
 * <p>GradCheck perturbs every element of the tensors it is given, and costs two forward passes per
 * element, so for {@code mlp} the input (two images, 1568 values), the three biases (778 values) and
 * the last weight (2560 values) are checked: the input gradient passes through every layer's
 * backward, and each bias receives the gradient arriving at its layer. The gradients of fc1's and
 * fc2's weights (532k values) are left to {@link LinearConvGradCheckTest}.
 *
 * <p>ReLU and max-pooling have kinks, where central differences are wrong. The inputs are made
 * kink-free: in the mlp each hidden bias is shifted (before the check) until no hidden
 * pre-activation lies within {@link #MARGIN} of zero, larger than any perturbation reaching it
 * (h = 0.01 on a bias, {@code h·|w| < 4e-4} through a weight); for the small cnn the input seed is
 * searched until every pooling window's maximum (of the BatchNorm outputs) is at least
 * {@link #MARGIN} from zero and from the window's second-largest value.
 */
class ModelsGradCheckTest extends LayerGradCheckTest {
    private static final double MARGIN = 0.1;

    @Test
    void mlpInputBiasesAndLastWeight() {
        Rng.manualSeed(0x6C9);
        Module mlp = Models.create("mlp", B);
        Map<String, Tensor> params = mlp.namedParameters();
        assertEquals(List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"),
                List.copyOf(params.keySet()));
        Map<String, Module> layers = mlp.children();
        Tensor x = GradCheck.uniform(B, new Random(0x6C9), 0, 1, 2, 784); // two images, pixels in [0, 1)
        clearReluKinks(layers.get("fc1"), layers.get("flatten").forward(x), params.get("fc1.bias"));
        Tensor h1 = noGrad(() -> layers.get("relu1").forward(layers.get("fc1").forward(layers.get("flatten").forward(x))));
        clearReluKinks(layers.get("fc2"), h1, params.get("fc2.bias"));

        GradCheck.Fn f = in -> mlp.forward(in[0]);
        assertArrayEquals(new int[] {2, 10}, noGrad(() -> mlp.forward(x)).shape().dims());
        Tensor[] checked = {x, params.get("fc1.bias"), params.get("fc2.bias"), params.get("fc3.weight"),
            params.get("fc3.bias")};
        check("mlp: input [2,784], fc1/fc2 biases, fc3 weight and bias", f, checked);
        assertCatchesSkew("mlp", f, checked);
    }

    @ParameterizedTest(name = "training {0}")
    @ValueSource(booleans = {true, false})
    void smallConvBnReluPoolFlattenLinear(boolean training) {
        Rng rng = new Rng(training ? 41 : 42);
        Conv2d conv = new Conv2d(B, 2, 3, 3, 1, 1, true, rng);
        BatchNorm bn = BatchNorm.d2(B, 3);
        Linear fc = new Linear(B, 3 * 2 * 2, 4, true, rng);
        Sequential model = new Sequential()
                .add("conv1", conv)
                .add("bn1", bn)
                .add("relu1", Act.relu())
                .add("pool1", new MaxPool2d(2))
                .add("flatten", new Flatten())
                .add("fc1", fc);
        Random values = new Random(training ? 43 : 44);
        fill(bn.weight(), values, 0.5, 1.5);
        fill(bn.bias(), values, -0.5, 0.5);
        fill(bn.runningMean(), values, -0.3, 0.3);
        // about the variance of the convolution's outputs, so that the evaluation-mode outputs spread as in training
        fill(bn.runningVar(), values, 0.05, 0.15);
        if (training) {
            model.train();
        } else {
            model.eval();
        }
        Tensor x = kinkFreeImages(conv, bn, training);
        GradCheck.Fn f = in -> model.forward(in[0]);
        assertArrayEquals(new int[] {2, 4}, noGrad(() -> model.forward(x)).shape().dims());
        String what = "conv -> bn (" + (training ? "train" : "eval") + ") -> relu -> maxpool -> flatten -> linear";
        check(what, f, x, conv.weight(), conv.bias(), bn.weight(), bn.bias(), fc.weight(), fc.bias());
        assertCatchesSkew(what, f, x, conv.weight(), conv.bias(), bn.weight(), bn.bias(), fc.weight(), fc.bias());
    }

    /**
     * Images {@code [2, 2, 4, 4]} (seeds tried in order) for which each 2×2 window of the
     * BatchNorm output has its maximum at least MARGIN from 0 and from the runner-up.
     */
    private static Tensor kinkFreeImages(Conv2d conv, BatchNorm bn, boolean training) {
        for (long seed = 0; seed < 2000; seed++) {
            Tensor x = GradCheck.uniform(B, new Random(seed), -1, 1, 2, 2, 4, 4);
            // in training mode the op with batch statistics, so that probing leaves the running statistics alone
            float[] z = noGrad(() -> training
                    ? Normalization.batchNorm(conv.forward(x), bn.weight(), bn.bias(), null, null, true, 0.1f, 1e-5f)
                    : bn.forward(conv.forward(x))).toFloatArray();
            if (windowsClear(z, 2 * 3, 4, 4)) {
                System.out.println("gradcheck small cnn: kink-free images from seed " + seed);
                return x;
            }
        }
        fail("no kink-free input found");
        return null;
    }

    private static boolean windowsClear(float[] z, int planes, int h, int w) {
        for (int p = 0; p < planes; p++) {
            for (int r = 0; r < h; r += 2) {
                for (int c = 0; c < w; c += 2) {
                    float[] win = {z[(p * h + r) * w + c], z[(p * h + r) * w + c + 1], z[(p * h + r + 1) * w + c],
                        z[(p * h + r + 1) * w + c + 1]};
                    Arrays.sort(win);
                    float top = win[3];
                    if (Math.abs(top) < MARGIN || (top > 0 && top - win[2] < MARGIN)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /**
     * Shifts each bias of {@code fc} so that its pre-activations for input {@code in} are at least
     * MARGIN from zero in every sample (the next ReLU's kink).
     */
    private static void clearReluKinks(Module fc, Tensor in, Tensor bias) {
        float[] z = noGrad(() -> fc.forward(in)).toFloatArray();
        float[] b = bias.toFloatArray();
        int units = b.length;
        int n = z.length / units;
        int shifted = 0;
        for (int j = 0; j < units; j++) {
            double best = Double.NaN;
            for (int t = 0; t < 41 && Double.isNaN(best); t++) {
                double s = (t % 2 == 0 ? 1 : -1) * ((t + 1) / 2) * MARGIN;
                boolean ok = true;
                for (int i = 0; i < n; i++) {
                    ok &= Math.abs(z[i * units + j] + s) >= MARGIN;
                }
                if (ok) {
                    best = s;
                }
            }
            assertTrue(!Double.isNaN(best), "no shift clears unit " + j);
            if (best != 0) {
                b[j] += (float) best;
                shifted++;
            }
        }
        set(bias, b);
        float[] after = noGrad(() -> fc.forward(in)).toFloatArray();
        for (float v : after) {
            assertTrue(Math.abs(v) >= MARGIN * 0.999, "pre-activation " + v + " near the ReLU kink");
        }
        System.out.println("gradcheck mlp: shifted " + shifted + " of " + units + " biases away from ReLU kinks");
    }

    private static Tensor noGrad(java.util.function.Supplier<Tensor> body) {
        try (GradMode.Guard g = GradMode.noGrad()) {
            return body.get();
        }
    }

}
