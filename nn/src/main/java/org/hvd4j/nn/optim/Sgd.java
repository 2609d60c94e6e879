package org.hvd4j.nn.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hvd4j.tensor.Tensor;

/**
 * Stochastic gradient descent with PyTorch's semantics:
 * {@code d = g + wd·p}; with momentum μ: {@code buf = μ·buf + (1 - dampening)·d} (buf = d at the
 * first step), {@code d = nesterov ? d + μ·buf : buf}; then {@code p -= lr·d}.
 */
public final class Sgd extends Optimizer {
    private final float momentum;
    private final float dampening;
    private final float weightDecay;
    private final boolean nesterov;
    private final Tensor[] buffers;

    public Sgd(List<Tensor> params, float lr) {
        this(params, lr, 0f, 0f, 0f, false);
    }

    public Sgd(List<Tensor> params, float lr, float momentum, float dampening, float weightDecay, boolean nesterov) {
        super(params, lr);
        check(momentum >= 0f && momentum < 1f, "SGD momentum must be in [0, 1), got " + momentum);
        check(dampening >= 0f && dampening <= 1f, "SGD dampening must be in [0, 1], got " + dampening);
        check(weightDecay >= 0f && Float.isFinite(weightDecay), "SGD weight decay must be >= 0, got " + weightDecay);
        check(!nesterov || (momentum > 0f && dampening == 0f),
                "Nesterov momentum requires momentum > 0 and dampening = 0 (got momentum " + momentum
                        + ", dampening " + dampening + ")");
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        this.buffers = new Tensor[params.size()];
    }

    @Override
    protected void update(int i, Tensor p, Tensor g) {
        boolean first = false;
        if (momentum != 0f && buffers[i] == null) {
            buffers[i] = zerosLike(p);
            first = true;
        }
        p.backend().sgdUpdate(p, g, buffers[i], lr(), momentum, dampening, weightDecay, nesterov, first);
    }

    @Override
    public Tensor ensureState(String key) {
        int i = parameterOf(key, "momentum_buffer");
        if (i < 0 || momentum == 0f) {
            return super.ensureState(key);
        }
        if (buffers[i] == null) {
            buffers[i] = zerosLike(parameters().get(i));
        }
        return buffers[i];
    }

    @Override
    public String kind() {
        return "SGD";
    }

    @Override
    public Map<String, Double> hyperParameters() {
        Map<String, Double> h = super.hyperParameters();
        h.put("momentum", (double) momentum);
        h.put("dampening", (double) dampening);
        h.put("weight_decay", (double) weightDecay);
        h.put("nesterov", nesterov ? 1.0 : 0.0);
        return h;
    }

    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        List<String> names = parameterNames();
        for (int i = 0; i < buffers.length; i++) {
            if (buffers[i] != null) {
                s.put(names.get(i) + ".momentum_buffer", buffers[i]);
            }
        }
        return s;
    }
}
