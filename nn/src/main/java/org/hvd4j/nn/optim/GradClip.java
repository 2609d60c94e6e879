package org.hvd4j.nn.optim;

import java.util.List;
import org.hvd4j.tensor.Tensor;

/** Gradient clipping by global norm, as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradClip {
    private GradClip() {
    }

    /**
     * Scales every gradient by {@code min(1, maxNorm / (‖g‖ + 1e-6))}, where {@code ‖g‖} is the L2
     * norm over all gradients together; returns {@code ‖g‖} before clipping.
     */
    public static double clipGradNorm(List<Tensor> params, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("max norm must be > 0, got " + maxNorm);
        }
        double sq = 0;
        for (Tensor p : params) {
            Tensor g = p.grad();
            if (g != null) {
                sq += g.backend().sumOfSquares(g);
            }
        }
        double norm = Math.sqrt(sq);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g != null) {
                    g.backend().scale(g, (float) coef, g);
                }
            }
        }
        return norm;
    }
}
