package org.hvd4j.nn.optim;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Invalid optimizer settings fail at construction with a message naming the setting and its value. */
class HyperParameterValidationTest {
    private static final List<Tensor> PARAMS = List.of(Tensor.zeros(CpuBackend.get(), 3).requiresGrad(true));

    private static void rejects(Executable make, String... mustMention) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, make);
        String msg = e.getMessage();
        for (String s : mustMention) {
            assertTrue(msg != null && msg.contains(s), "message '" + msg + "' should mention '" + s + "'");
        }
    }

    @Test
    void sgdNegativeLearningRate() {
        rejects(() -> new Sgd(PARAMS, -0.1f), "learning rate", "-0.1");
        rejects(() -> new Sgd(PARAMS, Float.NaN), "learning rate", "NaN");
        rejects(() -> new Sgd(PARAMS, 0.1f).setLr(-1f), "learning rate", "-1.0");
    }

    @Test
    void sgdMomentumOfOneOrMore() {
        rejects(() -> new Sgd(PARAMS, 0.1f, 1f, 0f, 0f, false), "momentum", "1.0");
        rejects(() -> new Sgd(PARAMS, 0.1f, 1.5f, 0f, 0f, false), "momentum", "1.5");
        rejects(() -> new Sgd(PARAMS, 0.1f, -0.5f, 0f, 0f, false), "momentum", "-0.5");
        assertDoesNotThrow(() -> new Sgd(PARAMS, 0.1f, 0.99f, 0f, 0f, false));
    }

    @Test
    void sgdNesterovWithoutMomentum() {
        rejects(() -> new Sgd(PARAMS, 0.1f, 0f, 0f, 0f, true), "Nesterov", "momentum 0.0");
        rejects(() -> new Sgd(PARAMS, 0.1f, 0.9f, 0.1f, 0f, true), "Nesterov", "dampening 0.1");
        assertDoesNotThrow(() -> new Sgd(PARAMS, 0.1f, 0.9f, 0f, 0f, true));
    }

    @Test
    void sgdOtherSettings() {
        rejects(() -> new Sgd(PARAMS, 0.1f, 0.9f, 0f, -0.01f, false), "weight decay", "-0.01");
        rejects(() -> new Sgd(PARAMS, 0.1f, 0.9f, 1.5f, 0f, false), "dampening", "1.5");
        rejects(() -> new Sgd(List.of(), 0.1f), "empty");
        Tensor frozen = Tensor.zeros(CpuBackend.get(), 2).name("frozen.weight");
        rejects(() -> new Sgd(List.of(frozen), 0.1f), "frozen.weight", "does not require a gradient");
    }

    @Test
    void adamBeta1OfOneOrMore() {
        rejects(() -> Adam.adam(PARAMS, 0.01f, 1f, 0.999f, 1e-8f, 0f), "beta1", "1.0");
        rejects(() -> Adam.adamW(PARAMS, 0.01f, 1.2f, 0.999f, 1e-8f, 0.01f), "beta1", "1.2");
        rejects(() -> Adam.adam(PARAMS, 0.01f, 0.9f, 1f, 1e-8f, 0f), "beta2", "1.0");
    }

    @Test
    void adamNonPositiveEps() {
        rejects(() -> Adam.adam(PARAMS, 0.01f, 0.9f, 0.999f, 0f, 0f), "eps", "0.0");
        rejects(() -> Adam.adamW(PARAMS, 0.01f, 0.9f, 0.999f, -1e-8f, 0.01f), "eps", "-1.0E-8");
        rejects(() -> Adam.adam(PARAMS, -0.01f, 0.9f, 0.999f, 1e-8f, 0f), "learning rate", "-0.01");
        rejects(() -> Adam.adam(PARAMS, 0.01f, 0.9f, 0.999f, 1e-8f, -1f), "weight decay", "-1.0");
    }
}
