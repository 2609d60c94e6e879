package org.hvd4j.nn.layers;

import org.hvd4j.nn.Module;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.ops.Normalization;

/**
 * Batch normalisation over the channel dimension 1, as PyTorch's BatchNorm1d ({@code [N, C]}) and
 * BatchNorm2d ({@code [N, C, H, W]}): {@code y = (x - μ)/√(σ² + eps)·weight + bias}. Parameters
 * {@code weight} (γ, init 1) and {@code bias} (β, init 0); buffers {@code running_mean} (0),
 * {@code running_var} (1), updated with {@code momentum} (default 0.1) in training mode.
 */
public final class BatchNorm extends Module {
    private final int channels;
    private final int inputRank;
    private final float eps;
    private final float momentum;
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor runningMean;
    private final Tensor runningVar;

    private BatchNorm(Backend backend, int channels, int inputRank, float eps, float momentum) {
        if (channels <= 0) {
            throw new IllegalArgumentException("BatchNorm needs channels > 0, got " + channels);
        }
        if (!(eps > 0f) || !(momentum >= 0f && momentum <= 1f)) { // also rejects NaN
            throw new IllegalArgumentException("BatchNorm needs eps > 0 and momentum in [0, 1], got eps " + eps
                    + ", momentum " + momentum);
        }
        this.channels = channels;
        this.inputRank = inputRank;
        this.eps = eps;
        this.momentum = momentum;
        weight = registerParameter("weight", persistent(() -> Tensor.full(backend, 1f, channels)));
        bias = registerParameter("bias", persistent(() -> Tensor.zeros(backend, channels)));
        runningMean = registerBuffer("running_mean", persistent(() -> Tensor.zeros(backend, channels)));
        runningVar = registerBuffer("running_var", persistent(() -> Tensor.full(backend, 1f, channels)));
    }

    /** BatchNorm1d over {@code [N, C]}, eps 1e-5, momentum 0.1. */
    public static BatchNorm d1(Backend backend, int channels) {
        return new BatchNorm(backend, channels, 2, 1e-5f, 0.1f);
    }

    /** BatchNorm2d over {@code [N, C, H, W]}, eps 1e-5, momentum 0.1. */
    public static BatchNorm d2(Backend backend, int channels) {
        return new BatchNorm(backend, channels, 4, 1e-5f, 0.1f);
    }

    /** BatchNorm with explicit eps and momentum; {@code inputRank} 2 (1d) or 4 (2d). */
    public static BatchNorm of(Backend backend, int channels, int inputRank, float eps, float momentum) {
        if (inputRank != 2 && inputRank != 4) {
            throw new IllegalArgumentException("BatchNorm input rank must be 2 or 4, got " + inputRank);
        }
        return new BatchNorm(backend, channels, inputRank, eps, momentum);
    }

    public Tensor weight() {
        return weight;
    }

    public Tensor bias() {
        return bias;
    }

    public Tensor runningMean() {
        return runningMean;
    }

    public Tensor runningVar() {
        return runningVar;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.shape().rank() != inputRank || x.dim(1) != channels) {
            throw new IllegalArgumentException("BatchNorm" + (inputRank == 2 ? "1d" : "2d") + "(" + channels
                    + ") got input " + x.describe());
        }
        return Normalization.batchNorm(x, weight, bias, runningMean, runningVar, isTraining(), momentum, eps);
    }

    @Override
    protected String describe() {
        return "(" + channels + ", eps " + eps + ", momentum " + momentum + ")";
    }
}
