package org.hvd4j.tensor.ops;

import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.PoolGeometry;
import org.hvd4j.tensor.Shape;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.autograd.Node;

/** 2-D max and average pooling over {@code [N, C, H, W]}. */
public final class Pooling {
    private Pooling() {
    }

    /**
     * Max over each {@code kh × kw} window; the backward routes the gradient to the position of the
     * maximum (kept as indices).
     *
     * <p>Shape: x {@code [N, C, H, W]} → {@code [N, C, OH, OW]}, {@code OH = (H + 2·pad - k)/stride + 1}.
     */
    public static Tensor maxPool2d(Tensor x, int kh, int kw, int sh, int sw, int ph, int pw) {
        Checks.rank("maxPool2d", x, 4);
        PoolGeometry g = new PoolGeometry(x.dim(2), x.dim(3), kh, kw, sh, sw, ph, pw);
        int planes = x.dim(0) * x.dim(1);
        Shape outShape = Shape.of(x.dim(0), x.dim(1), g.outHeight(), g.outWidth());
        Tensor y = Tensor.empty(x.backend(), x.dtype(), outShape);
        Tensor idx = Tensor.empty(x.backend(), DType.INT32, outShape);
        x.backend().maxPool2d(x, planes, g, y, idx);
        if (Node.anyRequiresGrad(x)) {
            y.setGradFn(new MaxPoolNode(x, idx, planes, g));
        }
        return y;
    }

    /** Mean over each window; zero padding counts in the divisor (PyTorch's count_include_pad). */
    public static Tensor avgPool2d(Tensor x, int kh, int kw, int sh, int sw, int ph, int pw) {
        Checks.rank("avgPool2d", x, 4);
        PoolGeometry g = new PoolGeometry(x.dim(2), x.dim(3), kh, kw, sh, sw, ph, pw);
        int planes = x.dim(0) * x.dim(1);
        Tensor y = Tensor.empty(x.backend(), x.dtype(), Shape.of(x.dim(0), x.dim(1), g.outHeight(), g.outWidth()));
        x.backend().avgPool2d(x, planes, g, y);
        if (Node.anyRequiresGrad(x)) {
            y.setGradFn(new AvgPoolNode(x, planes, g));
        }
        return y;
    }

    private static final class MaxPoolNode extends Node {
        private final Tensor idx;
        private final int planes;
        private final PoolGeometry g;

        MaxPoolNode(Tensor x, Tensor idx, int planes, PoolGeometry g) {
            super(x);
            this.idx = idx;
            this.planes = planes;
            this.g = g;
        }

        @Override
        public Tensor[] backward(Tensor gy) {
            Tensor gx = Checks.like(inputs()[0]);
            gy.backend().maxPool2dBackward(gy, idx, planes, g, gx);
            return new Tensor[] {gx};
        }
    }

    private static final class AvgPoolNode extends Node {
        private final int planes;
        private final PoolGeometry g;

        AvgPoolNode(Tensor x, int planes, PoolGeometry g) {
            super(x);
            this.planes = planes;
            this.g = g;
        }

        @Override
        public Tensor[] backward(Tensor gy) {
            Tensor gx = Checks.like(inputs()[0]);
            gy.backend().avgPool2dBackward(gy, planes, g, gx);
            return new Tensor[] {gx};
        }
    }
}
