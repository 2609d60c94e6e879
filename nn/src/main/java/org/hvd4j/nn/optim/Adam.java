package org.hvd4j.nn.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hvd4j.tensor.Tensor;

/**
 * Adam (Kingma & Ba) and AdamW (Loshchilov & Hutter), PyTorch's formulation:
 * {@code m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;
 * p -= lr · (m / (1-β1ᵗ)) / (√(v / (1-β2ᵗ)) + eps)}. Adam adds {@code wd·p} to g (L2); AdamW
 * decays the weights directly, {@code p *= 1 - lr·wd}, before the update.
 */
public final class Adam extends Optimizer {
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final boolean decoupled;
    private final Tensor[] m;
    private final Tensor[] v;
    private final int[] t;

    private Adam(List<Tensor> params, float lr, float beta1, float beta2, float eps, float weightDecay,
                 boolean decoupled) {
        super(params, lr);
        check(beta1 >= 0f && beta1 < 1f, "Adam beta1 must be in [0, 1), got " + beta1);
        check(beta2 >= 0f && beta2 < 1f, "Adam beta2 must be in [0, 1), got " + beta2);
        check(eps > 0f, "Adam eps must be > 0, got " + eps);
        check(weightDecay >= 0f && Float.isFinite(weightDecay), "weight decay must be >= 0, got " + weightDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        this.m = new Tensor[params.size()];
        this.v = new Tensor[params.size()];
        this.t = new int[params.size()];
    }

    /** Adam with L2 weight decay (PyTorch defaults: betas 0.9/0.999, eps 1e-8). */
    public static Adam adam(List<Tensor> params, float lr, float beta1, float beta2, float eps, float weightDecay) {
        return new Adam(params, lr, beta1, beta2, eps, weightDecay, false);
    }

    /** AdamW with decoupled weight decay (PyTorch's default decay is 0.01). */
    public static Adam adamW(List<Tensor> params, float lr, float beta1, float beta2, float eps, float weightDecay) {
        return new Adam(params, lr, beta1, beta2, eps, weightDecay, true);
    }

    @Override
    protected void update(int i, Tensor p, Tensor g) {
        if (m[i] == null) {
            m[i] = zerosLike(p);
            v[i] = zerosLike(p);
        }
        t[i]++;
        p.backend().adamUpdate(p, g, m[i], v[i], lr(), beta1, beta2, eps, weightDecay, decoupled, t[i]);
    }

    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        List<String> names = parameterNames();
        for (int i = 0; i < m.length; i++) {
            if (m[i] != null) {
                s.put(names.get(i) + ".exp_avg", m[i]);
                s.put(names.get(i) + ".exp_avg_sq", v[i]);
            }
        }
        return s;
    }

    @Override
    public String kind() {
        return decoupled ? "AdamW" : "Adam";
    }

    @Override
    public Map<String, Double> hyperParameters() {
        Map<String, Double> h = super.hyperParameters();
        h.put("beta1", (double) beta1);
        h.put("beta2", (double) beta2);
        h.put("eps", (double) eps);
        h.put("weight_decay", (double) weightDecay);
        return h;
    }

    /** Per-parameter step counts (for checkpoints). */
    public int[] stepCounts() {
        return t.clone();
    }

    @Override
    public Tensor ensureState(String key) {
        int i = parameterOf(key, "exp_avg");
        boolean second = false;
        if (i < 0) {
            i = parameterOf(key, "exp_avg_sq");
            second = true;
        }
        if (i < 0) {
            return super.ensureState(key);
        }
        if (m[i] == null) {
            m[i] = zerosLike(parameters().get(i));
            v[i] = zerosLike(parameters().get(i));
        }
        return second ? v[i] : m[i];
    }

    @Override
    public int[] counters() {
        return t.clone();
    }

    @Override
    public void setCounters(int[] values) {
        check(values.length == t.length, "Adam keeps " + t.length + " step counts, got " + values.length);
        System.arraycopy(values, 0, t, 0, t.length);
    }
}
