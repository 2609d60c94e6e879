package org.hvd4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.hvd4j.nn.optim.LrSchedule;
import org.junit.jupiter.api.Test;

/** The schedules of {@code train} against the formulas that scripts/torch_train.py implements. */
class ScheduleTest {
    static TrainConfig cfg(String schedule, double warmup) {
        return new TrainConfig("mlp", 10, 0, 128, "sgd", 0.1f, 0.9f, 0f, schedule, warmup, 0f, 0, 1, 0,
                true, null, false, null, 2);
    }

    @Test
    void cosineAfterLinearWarmup() {
        int perEpoch = 469;
        int total = 10 * perEpoch;
        int w = perEpoch; // one warm-up epoch
        LrSchedule s = Trainer.makeSchedule(cfg("cosine", 1), 10);
        for (int step : new int[] {0, 1, 100, w - 1, w, w + 1, 2000, total - 1}) {
            double expected = step < w ? 0.1 + 0.9 * step / w
                    : 0.5 * (1 + Math.cos(Math.PI * (step - w) / (double) (total - w)));
            assertEquals(expected, s.factor((double) step / perEpoch), 1e-12, "step " + step);
        }
    }

    @Test
    void stepDecaysAtHalfAndThreeQuarters() {
        int perEpoch = 469;
        int total = 10 * perEpoch;
        LrSchedule s = Trainer.makeSchedule(cfg("step", 0), 10);
        for (int step = 0; step < total; step += 7) {
            int passed = (step >= Math.floor(0.5 * total) ? 1 : 0) + (step >= Math.floor(0.75 * total) ? 1 : 0);
            assertEquals(Math.pow(0.1, passed), s.factor((double) step / perEpoch), 1e-12, "step " + step);
        }
    }

    @Test
    void constantWithoutWarmupIsOne() {
        LrSchedule s = Trainer.makeSchedule(cfg("constant", 0), 10);
        assertEquals(1.0, s.factor(0), 0);
        assertEquals(1.0, s.factor(9.99), 0);
    }
}
