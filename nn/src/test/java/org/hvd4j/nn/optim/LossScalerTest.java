package org.hvd4j.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/** Dynamic loss scaling as PyTorch's GradScaler: skip on overflow and back off, grow after good steps. */
class LossScalerTest {
    private static final CpuBackend B = CpuBackend.get();

    private static Tensor param(float... v) {
        Tensor p = Tensor.of(B, v, v.length).requiresGrad(true);
        return p;
    }

    private static void setGrad(Tensor p, float... g) {
        p.zeroGrad();
        p.accumulateGrad(Tensor.of(B, g, g.length));
    }

    @Test
    void finiteGradientsAreUnscaledThenApplied() {
        Tensor p = param(1f, 2f);
        LossScaler s = new LossScaler(new Sgd(List.of(p), 0.5f), 8f, 2f, 0.5f, 2000);
        setGrad(p, 8f, -16f); // the gradient of loss·8
        s.step();
        assertArrayEquals(new float[] {0.5f, 3f}, p.toFloatArray(), "p -= 0.5 · g/8");
        assertEquals(8f, s.scale());
        assertEquals(0, s.skippedSteps());
    }

    @Test
    void overflowSkipsTheStepAndHalvesTheScale() {
        for (float bad : new float[] {Float.POSITIVE_INFINITY, Float.NaN}) {
            Tensor p = param(1f, 2f);
            LossScaler s = new LossScaler(new Sgd(List.of(p), 0.5f));
            setGrad(p, 1f, bad);
            s.step();
            assertArrayEquals(new float[] {1f, 2f}, p.toFloatArray(), "no update with a " + bad + " gradient");
            assertEquals(32768f, s.scale());
            assertEquals(1, s.skippedSteps());
            assertEquals(0, s.stepCount(), "a skipped step does not count");
        }
    }

    @Test
    void scaleGrowsAfterTheIntervalOfGoodSteps() {
        Tensor p = param(0f);
        LossScaler s = new LossScaler(new Sgd(List.of(p), 0f), 4f, 2f, 0.5f, 3);
        for (int i = 0; i < 3; i++) {
            setGrad(p, 1f);
            s.step();
        }
        assertEquals(8f, s.scale());
        setGrad(p, Float.POSITIVE_INFINITY);
        s.step();
        assertEquals(4f, s.scale(), "an overflow resets the run of good steps and backs off");
    }

    @Test
    void unscaleOnceForClipping() {
        Tensor p = param(0f);
        LossScaler s = new LossScaler(new Sgd(List.of(p), 1f), 4f, 2f, 0.5f, 10);
        setGrad(p, 4f);
        s.unscale();
        s.unscale(); // idempotent within a step
        assertArrayEquals(new float[] {1f}, p.grad().toFloatArray());
        s.step();
        assertArrayEquals(new float[] {-1f}, p.toFloatArray());
    }

    @Test
    void badSettingsAreRefused() {
        Sgd sgd = new Sgd(List.of(param(0f)), 0.1f);
        assertThrows(IllegalArgumentException.class, () -> new LossScaler(sgd, 0f, 2f, 0.5f, 1));
        assertThrows(IllegalArgumentException.class, () -> new LossScaler(sgd, 1f, 1f, 0.5f, 1));
        assertThrows(IllegalArgumentException.class, () -> new LossScaler(sgd, 1f, 2f, 1f, 1));
        assertThrows(IllegalArgumentException.class, () -> new LossScaler(sgd, 1f, 2f, 0.5f, 0));
    }
}
