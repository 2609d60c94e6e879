package org.hvd4j.tensor.ops;

import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.BinaryOp;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.autograd.Node;

/** Arithmetic: elementwise add/sub/mul, scaling, matrix products and the fused linear map. */
public final class Arith {
    private Arith() {
    }

    /** {@code a + b} (same shape). */
    public static Tensor add(Tensor a, Tensor b) {
        return binary(BinaryOp.ADD, a, b);
    }

    /** {@code a - b} (same shape). */
    public static Tensor sub(Tensor a, Tensor b) {
        return binary(BinaryOp.SUB, a, b);
    }

    /** {@code a * b} elementwise (same shape). */
    public static Tensor mul(Tensor a, Tensor b) {
        return binary(BinaryOp.MUL, a, b);
    }

    private static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        Checks.sameShape(op.name().toLowerCase(), a, b);
        Checks.sameBackend(op.name().toLowerCase(), a, b);
        Tensor out = Checks.like(a);
        a.backend().binary(op, a, b, out);
        if (Node.anyRequiresGrad(a, b)) {
            out.setGradFn(new BinaryNode(op, a, b));
        }
        return out;
    }

    /** {@code x * s}. */
    public static Tensor scale(Tensor x, float s) {
        Tensor out = Checks.like(x);
        x.backend().scale(x, s, out);
        if (Node.anyRequiresGrad(x)) {
            out.setGradFn(new ScaleNode(x, s));
        }
        return out;
    }

    /**
     * Matrix product {@code a[m, k] · b[k, n] -> [m, n]}.
     */
    public static Tensor matmul(Tensor a, Tensor b) {
        Checks.rank("matmul", a, 2);
        Checks.rank("matmul", b, 2);
        int m = a.dim(0);
        int k = a.dim(1);
        int n = b.dim(1);
        if (b.dim(0) != k) {
            throw new IllegalArgumentException("matmul: inner dimensions differ: " + a.describe() + " · " + b.describe());
        }
        Tensor out = Tensor.empty(a.backend(), m, n);
        a.backend().gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, out, 0, n);
        if (Node.anyRequiresGrad(a, b)) {
            out.setGradFn(new MatmulNode(a, b));
        }
        return out;
    }

    /**
     * The affine map of a fully connected layer, PyTorch layout:
     * {@code y = x · Wᵀ + b}.
     *
     * <p>Shape: x {@code [N, in]}, weight {@code [out, in]}, bias {@code [out]} or null, y {@code [N, out]}.
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        Checks.rank("linear", x, 2);
        Checks.rank("linear", weight, 2);
        int n = x.dim(0);
        int in = x.dim(1);
        int outF = weight.dim(0);
        if (weight.dim(1) != in) {
            throw new IllegalArgumentException("linear: input " + x.describe() + " has " + in
                    + " features but weight " + weight.describe() + " expects " + weight.dim(1));
        }
        if (bias != null && (bias.shape().rank() != 1 || bias.dim(0) != outF)) {
            throw new IllegalArgumentException("linear: bias " + bias.describe() + " must be [" + outF + "]");
        }
        Checks.sameBackend("linear", x, weight, bias);
        Backend be = x.backend();
        Tensor y = Tensor.empty(be, n, outF);
        be.gemm(false, true, n, outF, in, 1f, x, 0, in, weight, 0, in, 0f, y, 0, outF);
        if (bias != null) {
            be.addBias(y, bias, n, outF, 1, y);
        }
        if (Node.anyRequiresGrad(x, weight, bias)) {
            y.setGradFn(new LinearNode(x, weight, bias));
        }
        return y;
    }

    private static final class BinaryNode extends Node {
        private final BinaryOp op;

        BinaryNode(BinaryOp op, Tensor a, Tensor b) {
            super(a, b);
            this.op = op;
        }

        @Override
        public Tensor[] backward(Tensor g) {
            Tensor a = inputs()[0];
            Tensor b = inputs()[1];
            Backend be = g.backend();
            Tensor ga = null;
            Tensor gb = null;
            switch (op) {
                case ADD -> {
                    ga = g;
                    gb = g;
                }
                case SUB -> {
                    ga = g;
                    if (needsGrad(1)) {
                        gb = Checks.like(g);
                        be.scale(g, -1f, gb);
                    }
                }
                case MUL -> {
                    if (needsGrad(0)) {
                        ga = Checks.like(g);
                        be.binary(BinaryOp.MUL, g, b, ga);
                    }
                    if (needsGrad(1)) {
                        gb = Checks.like(g);
                        be.binary(BinaryOp.MUL, g, a, gb);
                    }
                }
                case DIV -> throw new UnsupportedOperationException("division is not differentiable here");
                default -> throw new IllegalStateException();
            }
            return new Tensor[] {ga, gb};
        }
    }

    private static final class ScaleNode extends Node {
        private final float s;

        ScaleNode(Tensor x, float s) {
            super(x);
            this.s = s;
        }

        @Override
        public Tensor[] backward(Tensor g) {
            Tensor gx = Checks.like(g);
            g.backend().scale(g, s, gx);
            return new Tensor[] {gx};
        }
    }

    /** Runs the non-null ones of two independent sequences, side by side if there are two ({@link Backend#fork}). */
    private static void forkNonNull(Backend be, Runnable first, Runnable second) {
        if (first != null && second != null) {
            be.fork(first, second);
        } else if (first != null) {
            first.run();
        } else if (second != null) {
            second.run();
        }
    }

    private static final class MatmulNode extends Node {
        MatmulNode(Tensor a, Tensor b) {
            super(a, b);
        }

        @Override
        public Tensor[] backward(Tensor g) {
            Tensor a = inputs()[0];
            Tensor b = inputs()[1];
            int m = a.dim(0);
            int k = a.dim(1);
            int n = b.dim(1);
            Backend be = g.backend();
            Tensor ga = needsGrad(0) ? Tensor.empty(be, m, k) : null;
            Tensor gb = needsGrad(1) ? Tensor.empty(be, k, n) : null;
            forkNonNull(be,
                    ga == null ? null : () -> be.gemm(false, true, m, k, n, 1f, g, 0, n, b, 0, n, 0f, ga, 0, k), // g · bᵀ
                    gb == null ? null : () -> be.gemm(true, false, k, n, m, 1f, a, 0, k, g, 0, n, 0f, gb, 0, n)); // aᵀ · g
            return new Tensor[] {ga, gb};
        }
    }

    private static final class LinearNode extends Node {
        LinearNode(Tensor x, Tensor w, Tensor b) {
            super(x, w, b);
        }

        @Override
        public Tensor[] backward(Tensor g) {
            Tensor x = inputs()[0];
            Tensor w = inputs()[1];
            int n = x.dim(0);
            int in = x.dim(1);
            int outF = w.dim(0);
            Backend be = g.backend();
            // destinations first, on this thread; the parameters' gradients are written in place when possible
            Tensor gx = needsGrad(0) ? Tensor.empty(be, n, in) : null;
            Tensor dw = needsGrad(1) ? gradDestination(1) : null;
            Tensor db = needsGrad(2) ? gradDestination(2) : null;
            float betaW = dw != null && accumulatesInto(1) ? 1f : 0f;
            boolean accB = db != null && accumulatesInto(2);
            // the input's gradient and the parameters' are independent: side by side where the backend can
            forkNonNull(be,
                    gx == null ? null : () -> be.gemm(false, false, n, in, outF, 1f, g, 0, outF, w, 0, in, 0f, gx, 0, in),
                    dw == null && db == null ? null : () -> {
                        if (dw != null) { // gW[out,in] = gᵀ · x
                            be.gemm(true, false, outF, in, n, 1f, g, 0, outF, x, 0, in, betaW, dw, 0, in);
                        }
                        if (db != null) {
                            be.sumBias(g, n, outF, 1, db, accB);
                        }
                    });
            return new Tensor[] {gx, dw == null ? null : finishGrad(1, dw), db == null ? null : finishGrad(2, db)};
        }
    }
}
