package org.hvd4j.tensor.ops;

import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.autograd.Node;

/** Embedding lookup: rows of a table selected by integer indices. */
public final class Embedding {
    private Embedding() {
    }

    /**
     * {@code y[..., :] = table[idx[...], :]}.
     *
     * <p>Shape: idx INT32 of any shape S, table {@code [V, D]}, y {@code S + [D]}.
     */
    public static Tensor embedding(Tensor idx, Tensor table) {
        Checks.ints("embedding", idx);
        Checks.rank("embedding", table, 2);
        int rows = idx.numel();
        int dim = table.dim(1);
        int[] s = idx.shape().dims();
        int[] outDims = java.util.Arrays.copyOf(s, s.length + 1);
        outDims[s.length] = dim;
        Tensor y = Tensor.empty(table.backend(), outDims);
        table.backend().gatherRows(table, idx, rows, dim, y);
        if (Node.anyRequiresGrad(table)) {
            y.setGradFn(new EmbeddingNode(idx, table));
        }
        return y;
    }

    private static final class EmbeddingNode extends Node {
        EmbeddingNode(Tensor idx, Tensor table) {
            super(idx, table);
        }

        @Override
        public Tensor[] backward(Tensor g) {
            Tensor idx = inputs()[0];
            Tensor table = inputs()[1];
            Tensor gt = Tensor.zeros(table.backend(), table.shape().dims());
            g.backend().scatterAddRows(g, idx, idx.numel(), table.dim(1), gt);
            return new Tensor[] {null, gt};
        }
    }
}
