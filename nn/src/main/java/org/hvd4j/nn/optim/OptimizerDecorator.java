package org.hvd4j.nn.optim;

import java.util.Map;
import org.hvd4j.tensor.Tensor;

/**
 * An optimizer that wraps another and forwards every public method to it, so that a wrapper (the
 * distributed optimizer, a gradient scaler) can be used wherever an {@link Optimizer} is: with a
 * learning-rate scheduler, gradient clipping or a checkpoint. Subclasses override what they add
 * to, typically {@link #step()}.
 */
public abstract class OptimizerDecorator extends Optimizer {
    private final Optimizer inner;

    protected OptimizerDecorator(Optimizer inner) {
        super(inner.parameters(), inner.lr());
        this.inner = inner;
    }

    /** The wrapped optimizer. */
    public final Optimizer inner() {
        return inner;
    }

    @Override
    public void step() {
        inner.step();
    }

    /** Never called: {@link #step()} is forwarded whole. */
    @Override
    protected final void update(int index, Tensor param, Tensor grad) {
        throw new UnsupportedOperationException("a decorator forwards step() to the wrapped optimizer");
    }

    @Override
    public void zeroGrad() {
        inner.zeroGrad();
    }

    @Override
    public float lr() {
        return inner.lr();
    }

    @Override
    public void setLr(float newLr) {
        inner.setLr(newLr);
    }

    @Override
    public int stepCount() {
        return inner.stepCount();
    }

    @Override
    public void setStepCount(int n) {
        inner.setStepCount(n);
    }

    @Override
    public Map<String, Tensor> state() {
        return inner.state();
    }

    @Override
    public Tensor ensureState(String key) {
        return inner.ensureState(key);
    }

    @Override
    public int[] counters() {
        return inner.counters();
    }

    @Override
    public void setCounters(int[] values) {
        inner.setCounters(values);
    }

    @Override
    public String kind() {
        return inner.kind();
    }

    @Override
    public Map<String, Double> hyperParameters() {
        return inner.hyperParameters();
    }
}
