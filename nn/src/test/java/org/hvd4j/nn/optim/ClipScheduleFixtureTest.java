package org.hvd4j.nn.optim;

import static org.hvd4j.nn.Approx.RTOL;
import static org.hvd4j.nn.Approx.assertClose;
import static org.hvd4j.nn.Approx.assertMatches;
import static org.hvd4j.nn.Approx.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.hvd4j.nn.fixtures.Fixture;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link GradClip#clipGradNorm} against {@code torch.nn.utils.clip_grad_norm_}, and the step and
 * cosine {@link LrSchedule}s against {@code StepLR} / {@code CosineAnnealingLR}.
 */
class ClipScheduleFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"clip_grad_norm", "clip_grad_norm_noclip"})
    void clipGradNormMatchesPyTorch(String name) {
        Fixture f = Fixture.load(name);
        assertEquals(2.0, f.param("norm_type"));
        Tensor a = Tensor.zeros(CpuBackend.get(), 2, 3).requiresGrad(true);
        Tensor b = Tensor.zeros(CpuBackend.get(), 4).requiresGrad(true);
        a.accumulateGrad(tensor(f, "grad_a"));
        b.accumulateGrad(tensor(f, "grad_b"));

        double total = GradClip.clipGradNorm(List.of(a, b), f.param("max_norm"));

        // PyTorch computes the norm in float32, ours in double: they agree to float32 rounding.
        assertClose(name + ": total_norm", f.scalar("total_norm"), total, RTOL, 0);
        assertMatches(f, "clipped_a", a.grad());
        assertMatches(f, "clipped_b", b.grad());
        if (name.endsWith("noclip")) { // max_norm above the norm: gradients untouched, bit for bit
            assertMatches(f, "grad_a", a.grad(), 0, 0);
            assertMatches(f, "grad_b", b.grad(), 0, 0);
        } else {
            assertTrue(total > f.param("max_norm"));
        }
    }

    @Test
    void clipSkipsParametersWithoutGradientAndRejectsBadMaxNorm() {
        Tensor a = Tensor.zeros(CpuBackend.get(), 2).requiresGrad(true);
        Tensor none = Tensor.zeros(CpuBackend.get(), 3).requiresGrad(true);
        a.accumulateGrad(Tensor.of(CpuBackend.get(), new float[] {3, 4}, 2));
        assertEquals(5.0, GradClip.clipGradNorm(List.of(a, none), 1.0), 1e-12);
        assertClose("clipped", new float[] {0.6f, 0.8f}, a.grad().toFloatArray(), 1e-6, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradClip.clipGradNorm(List.of(a), 0));
        assertTrue(e.getMessage().contains("max norm"), e.getMessage());
    }

    /** lrs[e] is the rate PyTorch used in epoch e (scheduler.step() after each epoch). */
    @Test
    void stepScheduleMatchesStepLR() {
        Fixture f = Fixture.load("step_lr");
        double base = f.param("lr");
        LrSchedule s = LrSchedule.step(f.intParam("step_size"), f.param("gamma"));
        double[] lrs = f.doubles("lrs");
        for (int e = 0; e < lrs.length; e++) {
            // float64 on both sides; PyTorch multiplies step by step, we take a power: ~1 ulp apart.
            assertClose("step_lr epoch " + e, lrs[e], base * s.factor(e), 1e-12, 0);
            // and mid-epoch the rate holds (StepLR changes at epoch boundaries only)
            assertClose("step_lr epoch " + e + ".5", lrs[e], base * s.factor(e + 0.5), 1e-12, 0);
        }
        checkScheduler(lrs, base, s, lrs.length);
    }

    /**
     * Within T_max PyTorch's recursive CosineAnnealingLR equals the closed form
     * {@code η_min + (η_0 - η_min)(1 + cos(π·e/T))/2} to ~1e-17; after T_max PyTorch's recursion
     * keeps following the cosine back up, whereas ours stays at the minimum by design, so only
     * epochs 0..T_max are compared with PyTorch.
     */
    @Test
    void cosineScheduleMatchesCosineAnnealingLRWithinTMax() {
        Fixture f = Fixture.load("cosine_annealing_lr");
        double base = f.param("lr");
        int tMax = f.intParam("T_max");
        assertEquals(0.0, f.param("eta_min"));
        LrSchedule s = LrSchedule.cosine(tMax, 0.0);
        double[] lrs = f.doubles("lrs");
        for (int e = 0; e <= tMax; e++) {
            // lrs[T_max] is ~1e-18 rather than 0 (rounding in the recursion): the atol covers it
            assertClose("cosine epoch " + e, lrs[e], base * s.factor(e), 1e-12, 1e-15);
        }
        assertEquals(0.0, s.factor(tMax + 1), 0.0);
        assertEquals(0.0, s.factor(tMax + 5.5), 0.0);
        assertTrue(lrs[tMax + 1] > 0, "PyTorch's recursive form rises again after T_max");
        checkScheduler(lrs, base, s, tMax + 1);
    }

    /** LrScheduler sets the optimizer's float32 rate from the schedule, one step per epoch here. */
    private static void checkScheduler(double[] lrs, double base, LrSchedule s, int epochs) {
        Tensor p = Tensor.zeros(CpuBackend.get(), 1).requiresGrad(true);
        Sgd opt = new Sgd(List.of(p), (float) base);
        LrScheduler sched = new LrScheduler(opt, (float) base, s, 1);
        for (int e = 0; e < epochs; e++) {
            float lr = sched.apply(e);
            assertEquals(lr, opt.lr());
            // float32 rate: within float rounding of the float64 reference (1e-7 relative), plus a
            // floor for the cosine's vanishing last value
            assertClose("scheduler epoch " + e, lrs[e], lr, 2e-7, 1e-12);
        }
    }
}
