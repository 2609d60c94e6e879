package org.hvd4j.nn.optim;

import org.hvd4j.tensor.Tensor;

/**
 * Dynamic loss scaling for float16 training, as PyTorch's {@code GradScaler}: the loss is
 * multiplied by a scale S before backward (so that small gradients survive fp16's range), and
 * before each update the gradients are checked and divided by S:
 *
 * <ul>
 *   <li>any gradient NaN or infinite: the update is skipped and {@code S *= backoff} (0.5);</li>
 *   <li>otherwise the unscaled gradients are applied, and after {@code growthInterval} (2000)
 *       finite steps in a row {@code S *= growth} (2).</li>
 * </ul>
 *
 * It decorates the optimizer that applies the update; under the distributed optimizer it goes
 * inside ({@code DistributedOptimizer(LossScaler(Sgd))}) so that it sees the averaged gradients,
 * which are the same on every rank, and all ranks skip the same steps.
 */
public final class LossScaler extends OptimizerDecorator {
    private final float growth;
    private final float backoff;
    private final int growthInterval;
    private float scale;
    private int goodSteps;
    private int skipped;
    private boolean unscaled;

    /** PyTorch's defaults: initial scale 2^16, growth 2, backoff 0.5, interval 2000. */
    public LossScaler(Optimizer inner) {
        this(inner, 65536f, 2f, 0.5f, 2000);
    }

    public LossScaler(Optimizer inner, float initialScale, float growth, float backoff, int growthInterval) {
        super(inner);
        if (!(initialScale > 0) || !(growth > 1) || !(backoff > 0 && backoff < 1) || growthInterval < 1) {
            throw new IllegalArgumentException("loss scaler needs initial scale > 0, growth > 1, 0 < backoff < 1 "
                    + "and growth interval >= 1; got " + initialScale + ", " + growth + ", " + backoff + ", "
                    + growthInterval);
        }
        this.scale = initialScale;
        this.growth = growth;
        this.backoff = backoff;
        this.growthInterval = growthInterval;
    }

    /** The current scale S: backward from {@code loss · S} (seed the backward pass with S). */
    public float scale() {
        return scale;
    }

    /** Updates skipped so far because a gradient overflowed. */
    public int skippedSteps() {
        return skipped;
    }

    /**
     * Divides the gradients by S (once per step; {@link #step} does it if nobody did), for code
     * that must read true gradients before the update, such as clipping.
     */
    public void unscale() {
        if (!unscaled) {
            float inv = 1f / scale;
            for (Tensor p : parameters()) {
                Tensor g = p.grad();
                if (g != null) {
                    g.backend().scale(g, inv, g);
                }
            }
            unscaled = true;
        }
    }

    /** Skips the update if any gradient is not finite, else unscales and applies it; adjusts S. */
    @Override
    public void step() {
        boolean finite = true;
        for (Tensor p : parameters()) {
            Tensor g = p.grad();
            // a NaN or Inf anywhere makes the sum of squares NaN or Inf; finite floats cannot overflow a double
            if (g != null && !Double.isFinite(g.backend().sumOfSquares(g))) {
                finite = false;
                break;
            }
        }
        if (finite) {
            unscale();
            inner().step();
            if (++goodSteps == growthInterval) {
                scale *= growth;
                goodSteps = 0;
            }
        } else {
            skipped++;
            scale *= backoff;
            goodSteps = 0;
        }
        unscaled = false;
    }
}
