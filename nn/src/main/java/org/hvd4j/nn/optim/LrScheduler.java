package org.hvd4j.nn.optim;

/** Sets an optimizer's learning rate before each step from a base rate and a {@link LrSchedule}. */
public final class LrScheduler {
    private final Optimizer optimizer;
    private final float baseLr;
    private final LrSchedule schedule;
    private final int stepsPerEpoch;

    public LrScheduler(Optimizer optimizer, float baseLr, LrSchedule schedule, int stepsPerEpoch) {
        if (stepsPerEpoch <= 0) {
            throw new IllegalArgumentException("stepsPerEpoch must be > 0, got " + stepsPerEpoch);
        }
        this.optimizer = optimizer;
        this.baseLr = baseLr;
        this.schedule = schedule;
        this.stepsPerEpoch = stepsPerEpoch;
    }

    /** Sets the rate for global step {@code step} (0-based) and returns it. */
    public float apply(long step) {
        float lr = (float) (baseLr * schedule.factor((double) step / stepsPerEpoch));
        optimizer.setLr(lr);
        return lr;
    }
}
