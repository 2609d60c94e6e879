package org.hvd4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.hvd4j.nn.Sequential;
import org.hvd4j.nn.init.Rng;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.ops.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The activation modules (ReLU, GELU, tanh, sigmoid) and Flatten. ReLU gets
 * {@link GradCheck#awayFromZero} inputs (no value within h of its kink); the smooth ones a range
 * wide enough to reach their saturated parts. Flatten is checked alone (a view: the gradient must
 * be reshaped back) and followed by a Linear layer, so that a mis-ordered flattening shows.
 */
class ActFlattenGradCheckTest extends LayerGradCheckTest {

    @ParameterizedTest
    @ValueSource(strings = {"relu", "gelu", "tanh", "sigmoid"})
    void activation(String name) {
        Random rng = new Random(name.hashCode());
        Act act = switch (name) {
            case "relu" -> Act.relu();
            case "gelu" -> Act.gelu();
            case "tanh" -> Act.tanh();
            default -> Act.sigmoid();
        };
        Tensor x = name.equals("relu") ? GradCheck.awayFromZero(B, rng, 0.05, 3, 2, 3, 2, 4)
                : GradCheck.uniform(B, rng, -4, 4, 2, 3, 2, 4);
        GradCheck.Fn f = in -> act.forward(in[0]);
        check(act.toString(), f, x);
        assertCatchesSkew(act.toString(), f, x);
    }

    @Test
    void flatten() {
        Random rng = new Random(7);
        Flatten flat = new Flatten();
        Tensor x = GradCheck.uniform(B, rng, -1, 1, 2, 3, 2, 2);
        assertArrayEquals(new int[] {2, 12}, flat.forward(x).shape().dims());
        GradCheck.Fn f = in -> flat.forward(in[0]);
        check("Flatten [2,3,2,2]", f, x);
        assertCatchesSkew("Flatten", f, x);

        Linear fc = new Linear(B, 12, 3, true, new Rng(7));
        Sequential s = new Sequential().add("flatten", flat).add("fc", fc);
        GradCheck.Fn g = in -> s.forward(in[0]);
        check("Flatten -> Linear(12 -> 3)", g, x, fc.weight(), fc.bias());
        assertCatchesSkew("Flatten -> Linear", g, x, fc.weight(), fc.bias());
    }
}
