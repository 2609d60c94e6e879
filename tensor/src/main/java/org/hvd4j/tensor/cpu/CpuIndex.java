package org.hvd4j.tensor.cpu;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import org.hvd4j.tensor.Tensor;

/** Row gather and scatter-add (embedding lookup and its gradient). */
final class CpuIndex {
    private CpuIndex() {
    }

    static void gatherRows(Tensor tablet, Tensor idxt, int rows, int dim, Tensor out) {
        FloatBuffer table = CpuBackend.f(tablet);
        IntBuffer idx = CpuBackend.i(idxt);
        FloatBuffer y = CpuBackend.f(out);
        int tableRows = tablet.numel() / dim;
        for (int r = 0; r < rows; r++) {
            int k = idx.get(idxt.offset() + r);
            if (k < 0 || k >= tableRows) {
                throw new IndexOutOfBoundsException("index " + k + " at position " + r + " is outside [0, "
                        + tableRows + ") for " + tablet.describe());
            }
            y.put(out.offset() + r * dim, table, tablet.offset() + k * dim, dim);
        }
    }

    static void scatterAddRows(Tensor gt, Tensor idxt, int rows, int dim, Tensor tgt) {
        FloatBuffer g = CpuBackend.f(gt);
        IntBuffer idx = CpuBackend.i(idxt);
        FloatBuffer t = CpuBackend.f(tgt);
        for (int r = 0; r < rows; r++) {
            int base = tgt.offset() + idx.get(idxt.offset() + r) * dim;
            int src = gt.offset() + r * dim;
            for (int j = 0; j < dim; j++) {
                t.put(base + j, t.get(base + j) + g.get(src + j));
            }
        }
    }
}
