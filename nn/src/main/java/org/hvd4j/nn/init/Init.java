package org.hvd4j.nn.init;

import org.hvd4j.tensor.Tensor;

/**
 * Initialisers, with PyTorch's definitions ({@code torch.nn.init}). Fan-in of a weight
 * {@code [out, in, k...]} is {@code in·Πk}, fan-out {@code out·Πk}.
 */
public final class Init {
    private Init() {
    }

    /** Fills with {@code U(lo, hi)}. */
    public static Tensor uniform(Tensor t, float lo, float hi, Rng rng) {
        float[] v = new float[t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.uniform(lo, hi);
        }
        t.backend().copyIn(v, 0, t, 0, v.length);
        return t;
    }

    /** Fills with {@code N(mean, std²)}. */
    public static Tensor normal(Tensor t, float mean, float std, Rng rng) {
        float[] v = new float[t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.normal(mean, std);
        }
        t.backend().copyIn(v, 0, t, 0, v.length);
        return t;
    }

    /** Fills with a constant. */
    public static Tensor constant(Tensor t, float value) {
        t.backend().fill(t, value);
        return t;
    }

    /** Fan-in of a weight tensor: dimension 1 times the receptive field. */
    public static int fanIn(Tensor t) {
        return t.shape().rank() < 2 ? t.numel() : t.dim(1) * t.shape().sizeFrom(2);
    }

    /** Fan-out of a weight tensor: dimension 0 times the receptive field. */
    public static int fanOut(Tensor t) {
        return t.shape().rank() < 2 ? t.numel() : t.dim(0) * t.shape().sizeFrom(2);
    }

    /** Gain of a leaky ReLU with negative slope {@code a}: {@code √(2 / (1 + a²))}; a = 0 is ReLU. */
    public static double leakyReluGain(double a) {
        return Math.sqrt(2.0 / (1.0 + a * a));
    }

    /**
     * He/Kaiming uniform over fan-in: {@code U(-b, b)}, {@code b = gain·√(3 / fanIn)}. PyTorch's
     * Linear and Conv2d default is this with {@code a = √5}, i.e. {@code b = 1/√fanIn}.
     */
    public static Tensor kaimingUniform(Tensor t, double a, Rng rng) {
        float bound = (float) (leakyReluGain(a) * Math.sqrt(3.0 / fanIn(t)));
        return uniform(t, -bound, bound, rng);
    }

    /** He/Kaiming normal over fan-in: {@code N(0, gain²/fanIn)}. */
    public static Tensor kaimingNormal(Tensor t, double a, Rng rng) {
        return normal(t, 0f, (float) (leakyReluGain(a) / Math.sqrt(fanIn(t))), rng);
    }

    /** Glorot/Xavier uniform: {@code U(-b, b)}, {@code b = gain·√(6 / (fanIn + fanOut))}. */
    public static Tensor xavierUniform(Tensor t, double gain, Rng rng) {
        float bound = (float) (gain * Math.sqrt(6.0 / (fanIn(t) + fanOut(t))));
        return uniform(t, -bound, bound, rng);
    }

    /** Glorot/Xavier normal: {@code N(0, gain²·2/(fanIn + fanOut))}. */
    public static Tensor xavierNormal(Tensor t, double gain, Rng rng) {
        return normal(t, 0f, (float) (gain * Math.sqrt(2.0 / (fanIn(t) + fanOut(t)))), rng);
    }

    /** PyTorch's default bias of Linear/Conv: {@code U(-1/√fanIn, 1/√fanIn)} with the weight's fan-in. */
    public static Tensor defaultBias(Tensor bias, int weightFanIn, Rng rng) {
        float bound = weightFanIn > 0 ? (float) (1.0 / Math.sqrt(weightFanIn)) : 0f;
        return uniform(bias, -bound, bound, rng);
    }
}
