package org.hvd4j.nn.optim;

/**
 * A learning-rate multiplier as a function of training progress in epochs (fractional: step k of
 * an epoch of S steps is {@code epoch + k/S}). The learning rate used is {@code base · factor}.
 */
@FunctionalInterface
public interface LrSchedule {
    double factor(double epoch);

    /** Always 1. */
    static LrSchedule constant() {
        return e -> 1.0;
    }

    /** PyTorch's StepLR: {@code gamma^floor(epoch / stepEpochs)} (changes at epoch boundaries). */
    static LrSchedule step(int stepEpochs, double gamma) {
        if (stepEpochs <= 0 || gamma <= 0) {
            throw new IllegalArgumentException("step schedule needs stepEpochs > 0 and gamma > 0, got "
                    + stepEpochs + ", " + gamma);
        }
        return e -> Math.pow(gamma, Math.floor(Math.floor(e) / stepEpochs));
    }

    /**
     * MultiStepLR: multiplied by {@code gamma} at each milestone passed; milestones are in
     * (possibly fractional) epochs, so "at 50 % of training" is exact for any step count.
     */
    static LrSchedule multiStep(double gamma, double... milestones) {
        return e -> {
            double f = 1.0;
            for (double m : milestones) {
                if (e >= m) {
                    f *= gamma;
                }
            }
            return f;
        };
    }

    /**
     * Cosine annealing to {@code minFactor} over {@code totalEpochs}, evaluated per step:
     * {@code min + (1 - min)·(1 + cos(π·e/T))/2}; stays at {@code min} after T.
     */
    static LrSchedule cosine(double totalEpochs, double minFactor) {
        if (totalEpochs <= 0) {
            throw new IllegalArgumentException("cosine schedule needs totalEpochs > 0, got " + totalEpochs);
        }
        return e -> minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * Math.min(e, totalEpochs) / totalEpochs));
    }

    /**
     * Linear warm-up, then {@code inner} from its start (as PyTorch's {@code SequentialLR} of
     * {@code LinearLR} and another schedule): for {@code e < w} the factor is
     * {@code s + (1 - s)·e/w}, afterwards {@code inner.factor(e - w)}; so build {@code inner} over
     * the epochs that remain after the warm-up. Horovod's recipe (Goyal et al. 2017) scales the
     * base lr by the number of ranks and warms up from lr to lr·size, i.e. {@code s = 1/size}; see
     * {@link #horovodWarmup}.
     */
    static LrSchedule warmup(LrSchedule inner, double warmupEpochs, double startFactor) {
        if (warmupEpochs < 0 || startFactor <= 0 || startFactor > 1) {
            throw new IllegalArgumentException("warm-up needs epochs >= 0 and a start factor in (0, 1], got "
                    + warmupEpochs + ", " + startFactor);
        }
        if (warmupEpochs == 0) {
            return inner;
        }
        return e -> e < warmupEpochs
                ? startFactor + (1 - startFactor) * e / warmupEpochs
                : inner.factor(e - warmupEpochs);
    }

    /**
     * Horovod's warm-up for {@code size} ranks (use with a base lr already multiplied by size):
     * starts at {@code 1/size}. With one process there is nothing to scale, so it starts at 0.1 —
     * a plain linear warm-up.
     */
    static LrSchedule horovodWarmup(LrSchedule inner, double warmupEpochs, int size) {
        return warmup(inner, warmupEpochs, size > 1 ? 1.0 / size : 0.1);
    }
}
