package org.hvd4j.tensor.ops;

import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.ConvGeometry;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.autograd.Node;

/**
 * 2-D convolution by im2col + GEMM ({@link Backend#conv2d} and its two gradients).
 *
 * <p>Why im2col: it turns the work into SGEMM, where OpenBLAS (and cuBLAS) run near peak; a
 * direct loop in Java reaches a fraction of that. The column buffer of one image is small
 * ({@code C·kh·kw × OH·OW}, 0.6 MB for the 32→64 5×5 layer on 14×14), so it stays in cache; the
 * backward pass recomputes it instead of keeping one per image.
 */
public final class Convolution {
    private Convolution() {
    }

    /**
     * {@code y[n, o] = bias[o] + Σ_c weight[o, c] ⋆ x[n, c]} (cross-correlation, as PyTorch).
     *
     * <p>Shape: x {@code [N, C, H, W]}, weight {@code [O, C, kh, kw]}, bias {@code [O]} or null,
     * y {@code [N, O, OH, OW]} with {@code OH = (H + 2·padH - kh)/strideH + 1}.
     */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int strideH, int strideW, int padH, int padW) {
        Checks.rank("conv2d", x, 4);
        Checks.rank("conv2d", weight, 4);
        Checks.sameBackend("conv2d", x, weight, bias);
        int n = x.dim(0);
        int c = x.dim(1);
        int o = weight.dim(0);
        if (weight.dim(1) != c) {
            throw new IllegalArgumentException("conv2d: input " + x.describe() + " has " + c
                    + " channels but weight " + weight.describe() + " expects " + weight.dim(1));
        }
        if (bias != null && (bias.shape().rank() != 1 || bias.dim(0) != o)) {
            throw new IllegalArgumentException("conv2d: bias " + bias.describe() + " must be [" + o + "]");
        }
        ConvGeometry g = new ConvGeometry(c, x.dim(2), x.dim(3), weight.dim(2), weight.dim(3),
                strideH, strideW, padH, padW);
        int oh = g.outHeight();
        int ow = g.outWidth();
        int ck = g.colRows();
        int ohw = g.colCols();
        Backend be = x.backend();
        Tensor y = Tensor.empty(be, n, o, oh, ow);
        be.conv2d(x, weight, n, g, y);
        if (bias != null) {
            be.addBias(y, bias, n, o, ohw, y);
        }
        if (Node.anyRequiresGrad(x, weight, bias)) {
            y.setGradFn(new Conv2dNode(x, weight, bias, g));
        }
        return y;
    }

    private static final class Conv2dNode extends Node {
        private final ConvGeometry g;

        Conv2dNode(Tensor x, Tensor w, Tensor b, ConvGeometry g) {
            super(x, w, b);
            this.g = g;
        }

        @Override
        public Tensor[] backward(Tensor gy) {
            Tensor x = inputs()[0];
            Tensor w = inputs()[1];
            Backend be = gy.backend();
            int n = x.dim(0);
            Tensor gx = null;
            Tensor gw = null;
            Tensor gb = null;
            if (needsGrad(1)) { // straight into the parameter's gradient when possible
                Tensor dst = gradDestination(1);
                be.conv2dBackwardWeight(gy, x, n, g, dst, accumulatesInto(1));
                gw = finishGrad(1, dst);
            }
            if (needsGrad(0)) {
                gx = Tensor.empty(be, x.shape().dims());
                be.conv2dBackwardInput(gy, w, n, g, gx);
            }
            if (needsGrad(2)) {
                Tensor dst = gradDestination(2);
                be.sumBias(gy, n, w.dim(0), g.colCols(), dst, accumulatesInto(2));
                gb = finishGrad(2, dst);
            }
            return new Tensor[] {gx, gw, gb};
        }
    }
}
