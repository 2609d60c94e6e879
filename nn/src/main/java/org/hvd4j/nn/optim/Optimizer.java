package org.hvd4j.nn.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.TensorScope;

/**
 * Updates parameters from their gradients. Parameters without a gradient in a step are skipped
 * (as in PyTorch). Wrappers such as {@code DistributedOptimizer} extend {@link OptimizerDecorator},
 * which forwards every public method to the wrapped optimizer.
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
    public void step() {
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
    public void zeroGrad() {
        for (Tensor p : params) {
            p.zeroGrad();
        }
    }

    public final List<Tensor> parameters() {
        return params;
    }

    public float lr() {
        return lr;
    }

    public void setLr(float newLr) {
        check(newLr >= 0f && Float.isFinite(newLr), "learning rate must be a finite number >= 0, got " + newLr);
        this.lr = newLr;
    }

    /** Number of completed {@link #step()} calls. */
    public int stepCount() {
        return steps;
    }

    /** Restores the step count (checkpoint resume). */
    public void setStepCount(int n) {
        this.steps = n;
    }

    /**
     * The optimizer's state tensors by name ({@code <param>.<state>}, e.g.
     * {@code fc1.weight.momentum_buffer}), for checkpoints and broadcast.
     */
    public Map<String, Tensor> state() {
        return new LinkedHashMap<>();
    }

    /**
     * The state tensor named {@code key} (as in {@link #state()}), created zero-filled if this
     * optimizer has not made it yet — so that a fresh optimizer can receive state from a
     * checkpoint or from another rank. An optimizer whose state was created this way continues
     * as if it had that state all along (for SGD: no "first step" shortcut). Unknown keys throw.
     */
    public Tensor ensureState(String key) {
        throw new IllegalArgumentException(getClass().getSimpleName() + " has no state named '" + key + "'");
    }

    /**
     * Integer state besides the tensors (Adam's per-parameter step counts), for checkpoints and
     * broadcast; empty by default.
     */
    public int[] counters() {
        return new int[0];
    }

    /**
     * The algorithm's name as PyTorch spells its class ({@code SGD}, {@code Adam}, {@code AdamW}),
     * written into checkpoints so that a resume with another optimizer is refused.
     */
    public String kind() {
        return getClass().getSimpleName();
    }

    /** The hyper-parameters by PyTorch's names ({@code lr}, {@code momentum}, ...), for checkpoints. */
    public Map<String, Double> hyperParameters() {
        Map<String, Double> h = new LinkedHashMap<>();
        h.put("lr", (double) lr);
        return h;
    }

    /** Restores what {@link #counters()} returned. */
    public void setCounters(int[] values) {
        if (values.length != 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no counters, got " + values.length);
        }
    }

    /** The index of the parameter that {@code key} (a {@code <param>.<state>} name) belongs to, or -1. */
    protected final int parameterOf(String key, String stateName) {
        List<String> names = parameterNames();
        for (int i = 0; i < names.size(); i++) {
            if (key.equals(names.get(i) + "." + stateName)) {
                return i;
            }
        }
        return -1;
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
