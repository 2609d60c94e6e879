package org.hvd4j.tensor.ops;

import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.autograd.Node;

/** Batch normalisation (Ioffe & Szegedy 2015) with PyTorch's running-statistics convention. */
public final class Normalization {
    private Normalization() {
    }

    /**
     * {@code y = (x - μ_c) / sqrt(σ²_c + eps) · γ_c + β_c} per channel c.
     *
     * <p>Training: μ and biased σ² over N and the spatial positions; the running buffers become
     * {@code (1 - momentum)·running + momentum·batch}, with the unbiased variance
     * {@code σ²·M/(M-1)} for {@code runningVar} (M = values per channel). Evaluation: the running
     * buffers are used and not changed.
     *
     * <p>Shape: x {@code [N, C]} or {@code [N, C, H, W]}; gamma, beta, runningMean, runningVar {@code [C]}.
     */
    public static Tensor batchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                   boolean training, float momentum, float eps) {
        if (x.shape().rank() != 2 && x.shape().rank() != 4) {
            throw new IllegalArgumentException("batchNorm: expected [N, C] or [N, C, H, W], got " + x.describe());
        }
        int n = x.dim(0);
        int c = x.dim(1);
        int inner = x.shape().sizeFrom(2);
        Backend be = x.backend();
        Tensor mean;
        Tensor invStd = Tensor.empty(be, c);
        if (training) {
            int m = n * inner;
            if (m < 2) {
                throw new IllegalArgumentException("batchNorm: training needs more than one value per channel, got "
                        + x.describe());
            }
            mean = Tensor.empty(be, c);
            Tensor var = Tensor.empty(be, c);
            be.batchNormStats(x, n, c, inner, mean, var);
            be.inverseStd(var, eps, invStd);
            if (runningMean != null) {
                be.axpby(momentum, mean, 1f - momentum, runningMean);
                be.axpby(momentum * m / (m - 1f), var, 1f - momentum, runningVar);
            }
        } else {
            mean = runningMean;
            be.inverseStd(runningVar, eps, invStd);
        }
        Tensor y = Checks.like(x);
        be.batchNormForward(x, mean, invStd, gamma, beta, n, c, inner, y);
        if (Node.anyRequiresGrad(x, gamma, beta)) {
            y.setGradFn(new BatchNormNode(x, gamma, beta, training ? mean : mean.detach(), invStd, training));
        }
        return y;
    }

    private static final class BatchNormNode extends Node {
        private final Tensor mean;
        private final Tensor invStd;
        private final boolean training;

        BatchNormNode(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor invStd, boolean training) {
            super(x, gamma, beta);
            this.mean = mean;
            this.invStd = invStd;
            this.training = training;
        }

        @Override
        public Tensor[] backward(Tensor g) {
            Tensor x = inputs()[0];
            Tensor gamma = inputs()[1];
            int n = x.dim(0);
            int c = x.dim(1);
            int inner = x.shape().sizeFrom(2);
            Backend be = g.backend();
            Tensor gGamma = Tensor.empty(be, c);
            Tensor gBeta = Tensor.empty(be, c);
            Tensor gx = needsGrad(0) ? Checks.like(x) : null;
            if (training) {
                be.batchNormBackward(g, x, mean, invStd, gamma, n, c, inner, gx, gGamma, gBeta);
            } else {
                // Statistics are constants in eval mode: gx = g · γ·invStd (a per-channel scale).
                be.batchNormBackward(g, x, mean, invStd, gamma, n, c, inner, null, gGamma, gBeta);
                if (gx != null) {
                    Tensor scale = Tensor.empty(be, c);
                    be.binary(org.hvd4j.tensor.BinaryOp.MUL, gamma, invStd, scale);
                    Tensor zero = Tensor.zeros(be, c);
                    be.batchNormForward(g, zero, scale, Tensor.full(be, 1f, c), zero, n, c, inner, gx);
                }
            }
            return new Tensor[] {gx, needsGrad(1) ? gGamma : null, needsGrad(2) ? gBeta : null};
        }
    }
}
