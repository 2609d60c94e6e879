package org.hvd4j.nn.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.TensorScope;

/**
 * Updates parameters from their gradients. Parameters without a gradient in a step are skipped
 * (as in PyTorch). {@code DistributedOptimizer} wraps any optimizer; it needs only {@link #step},
 * {@link #zeroGrad} and {@link #parameters}.
 */
public abstract class Optimizer {
    private final List<Tensor> params;
    private float lr;
    private int steps;

    protected Optimizer(List<Tensor> params, float lr) {
        if (params.isEmpty()) {
            throw new IllegalArgumentException("optimizer got an empty parameter list");
        }
        for (Tensor p : params) {
            if (!p.requiresGrad()) {
                throw new IllegalArgumentException("parameter " + p.describe() + " does not require a gradient");
            }
        }
        check(lr >= 0f && Float.isFinite(lr), "learning rate must be a finite number >= 0, got " + lr);
        this.params = List.copyOf(params);
        this.lr = lr;
    }

    /** Fails with {@code message} unless {@code ok}. */
    protected static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Applies one update to every parameter that has a gradient. */
    public final void step() {
        steps++;
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            Tensor g = p.grad();
            if (g != null) {
                update(i, p, g);
            }
        }
    }

    /** Updates parameter number {@code index} in place from gradient {@code grad}. */
    protected abstract void update(int index, Tensor param, Tensor grad);

    /** Clears every parameter's gradient. */
    public final void zeroGrad() {
        for (Tensor p : params) {
            p.zeroGrad();
        }
    }

    public final List<Tensor> parameters() {
        return params;
    }

    public final float lr() {
        return lr;
    }

    public final void setLr(float newLr) {
        check(newLr >= 0f && Float.isFinite(newLr), "learning rate must be a finite number >= 0, got " + newLr);
        this.lr = newLr;
    }

    /** Number of completed {@link #step()} calls. */
    public final int stepCount() {
        return steps;
    }

    /** Restores the step count (checkpoint resume). */
    public final void setStepCount(int n) {
        this.steps = n;
    }

    /**
     * The optimizer's state tensors by name ({@code <param>.<state>}, e.g.
     * {@code fc1.weight.momentum_buffer}), for checkpoints and broadcast.
     */
    public Map<String, Tensor> state() {
        return new LinkedHashMap<>();
    }

    /** A state buffer for a parameter, zero-filled and outliving every scope. */
    protected static Tensor zerosLike(Tensor p) {
        return TensorScope.persistent(() -> Tensor.zeros(p.backend(), p.shape().dims()));
    }

    /** Names of the parameters, falling back to their index when unnamed. */
    protected final List<String> parameterNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            String n = params.get(i).name();
            names.add(n != null ? n : Integer.toString(i));
        }
        return names;
    }
}
