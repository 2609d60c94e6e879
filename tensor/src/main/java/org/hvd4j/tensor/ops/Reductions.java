package org.hvd4j.tensor.ops;

import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.ReduceOp;
import org.hvd4j.tensor.Shape;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.autograd.Node;

/** Sums, means and maxima over all elements or along one axis, and argmax. */
public final class Reductions {
    private Reductions() {
    }

    /** Sum of all elements, shape {@code [1]}. */
    public static Tensor sum(Tensor x) {
        return reduce(ReduceOp.SUM, x.reshape(1, x.numel(), 1), 1).reshape(1);
    }

    /** Mean of all elements, shape {@code [1]}. */
    public static Tensor mean(Tensor x) {
        return reduce(ReduceOp.MEAN, x.reshape(1, x.numel(), 1), 1).reshape(1);
    }

    /** Sum along {@code axis} (removed from the shape). */
    public static Tensor sum(Tensor x, int axis) {
        return alongAxis(ReduceOp.SUM, x, axis);
    }

    /** Mean along {@code axis}. */
    public static Tensor mean(Tensor x, int axis) {
        return alongAxis(ReduceOp.MEAN, x, axis);
    }

    /** Maximum along {@code axis}; the gradient flows to the first maximal element. */
    public static Tensor max(Tensor x, int axis) {
        return alongAxis(ReduceOp.MAX, x, axis);
    }

    /** Index of the first maximum along {@code axis}, INT32, not differentiable. */
    public static Tensor argmax(Tensor x, int axis) {
        int ax = axis < 0 ? x.shape().rank() + axis : axis;
        int[] d = x.shape().dims();
        int outer = 1;
        for (int i = 0; i < ax; i++) {
            outer *= d[i];
        }
        int inner = x.shape().sizeFrom(ax + 1);
        Tensor out = Tensor.empty(x.backend(), DType.INT32, Shape.of(removeAxis(d, ax)));
        x.backend().argmax(x, outer, d[ax], inner, out);
        return out;
    }

    private static Tensor alongAxis(ReduceOp op, Tensor x, int axis) {
        int ax = axis < 0 ? x.shape().rank() + axis : axis;
        int[] d = x.shape().dims();
        int outer = 1;
        for (int i = 0; i < ax; i++) {
            outer *= d[i];
        }
        Tensor r = reduce(op, x.reshape(outer, d[ax], x.shape().sizeFrom(ax + 1)), 1);
        return r.reshape(removeAxis(d, ax));
    }

    private static int[] removeAxis(int[] d, int ax) {
        int[] out = new int[d.length - 1];
        for (int i = 0, j = 0; i < d.length; i++) {
            if (i != ax) {
                out[j++] = d[i];
            }
        }
        return out;
    }

    /** Reduces the middle axis of a 3-D view {@code [outer, n, inner]} to {@code [outer, inner]}. */
    private static Tensor reduce(ReduceOp op, Tensor x3, int axisOne) {
        int outer = x3.dim(0);
        int n = x3.dim(axisOne);
        int inner = x3.dim(2);
        Tensor out = Tensor.empty(x3.backend(), outer, inner);
        x3.backend().reduce(op, x3, outer, n, inner, out);
        if (Node.anyRequiresGrad(x3)) {
            Tensor idx = null;
            if (op == ReduceOp.MAX) {
                idx = Tensor.empty(x3.backend(), DType.INT32, Shape.of(outer, inner));
                x3.backend().argmax(x3, outer, n, inner, idx);
            }
            out.setGradFn(new ReduceNode(op, x3, idx));
        }
        return out;
    }

    /**
     * Gradient of a reduction: the output gradient broadcast back along the reduced axis (divided
     * by n for the mean; only to the argmax for the max). Done on the host side of the backend
     * through a small gather, since reductions are not in any hot loop.
     */
    private static final class ReduceNode extends Node {
        private final ReduceOp op;
        private final Tensor idx;

        ReduceNode(ReduceOp op, Tensor x3, Tensor idx) {
            super(x3);
            this.op = op;
            this.idx = idx;
        }

        @Override
        public Tensor[] backward(Tensor g) {
            Tensor x3 = inputs()[0];
            int outer = x3.dim(0);
            int n = x3.dim(1);
            int inner = x3.dim(2);
            Backend be = g.backend();
            float[] gv = g.toFloatArray();
            float[] gx = new float[x3.numel()];
            int[] arg = idx == null ? null : idx.toIntArray();
            for (int o = 0; o < outer; o++) {
                for (int i = 0; i < inner; i++) {
                    float v = gv[o * inner + i];
                    if (op == ReduceOp.MAX) {
                        gx[(o * n + arg[o * inner + i]) * inner + i] = v;
                    } else {
                        float s = op == ReduceOp.MEAN ? v / n : v;
                        for (int j = 0; j < n; j++) {
                            gx[(o * n + j) * inner + i] = s;
                        }
                    }
                }
            }
            Tensor out = Tensor.empty(be, outer, n, inner);
            be.copyIn(gx, 0, out, 0, gx.length);
            return new Tensor[] {out};
        }
    }
}
