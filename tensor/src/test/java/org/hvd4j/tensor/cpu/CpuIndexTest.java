package org.hvd4j.tensor.cpu;

import static org.hvd4j.tensor.cpu.KernelTestSupport.B;
import static org.hvd4j.tensor.cpu.KernelTestSupport.assertClose;
import static org.hvd4j.tensor.cpu.KernelTestSupport.ints;
import static org.hvd4j.tensor.cpu.KernelTestSupport.tensor;
import static org.hvd4j.tensor.cpu.KernelTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.hvd4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Row gather and scatter-add with repeated indices. */
class CpuIndexTest {

    @Test
    void gatherAndScatterAddWithRepeatedIndices() {
        Random rng = new Random(11);
        int vocab = 6;
        int dim = 4;
        int[] idx = {3, 0, 3, 5, 3, 1, 0};
        int rows = idx.length;
        float[] table = uniform(rng, vocab * dim);
        Tensor out = Tensor.empty(B, rows, dim);
        B.gatherRows(tensor(table, vocab, dim), ints(idx, rows), rows, dim, out);
        double[] expected = new double[rows * dim];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < dim; j++) {
                expected[r * dim + j] = table[idx[r] * dim + j];
            }
        }
        assertClose("gather", expected, out.toFloatArray(), 0, 0);

        float[] g = uniform(rng, rows * dim);
        float[] base = uniform(rng, vocab * dim);
        Tensor tg = tensor(base, vocab, dim);
        B.scatterAddRows(tensor(g, rows, dim), ints(idx, rows), rows, dim, tg);
        double[] expTg = KernelTestSupport.toDouble(base);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < dim; j++) {
                expTg[idx[r] * dim + j] += g[r * dim + j];
            }
        }
        assertClose("scatterAdd (row 3 three times, row 0 twice, rows 2 and 4 untouched)", expTg,
                tg.toFloatArray(), 1e-6, 1e-6);
    }

    @Test
    void gatherRejectsOutOfRangeIndexNamingPosition() {
        Tensor table = Tensor.zeros(B, 3, 2).name("emb.weight");
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> B.gatherRows(table, ints(new int[] {0, 3}, 2), 2, 2, Tensor.empty(B, 2, 2)));
        assertTrue(e.getMessage().contains("position 1") && e.getMessage().contains("'emb.weight'"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class,
                () -> B.gatherRows(table, ints(new int[] {-1}, 1), 1, 2, Tensor.empty(B, 1, 2)));
    }
}
