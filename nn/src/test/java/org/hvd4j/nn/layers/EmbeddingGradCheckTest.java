package org.hvd4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.hvd4j.nn.init.Rng;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.ops.Activations;
import org.hvd4j.tensor.ops.GradCheck;
import org.junit.jupiter.api.Test;

/**
 * Embedding: the gradient of the table. Indices repeat (their gradients must accumulate into the
 * same row) and one row is never used (its gradient must stay zero); the INT32 index tensor itself
 * has no gradient.
 */
class EmbeddingGradCheckTest extends LayerGradCheckTest {

    @Test
    void tableGradient() {
        Embedding emb = new Embedding(B, 6, 3, new Rng(5));
        Tensor idx = Tensor.ofInts(B, new int[] {0, 2, 2, 5, 1, 2, 0, 3}, 2, 4); // row 4 unused
        assertArrayEquals(new int[] {2, 4, 3}, emb.forward(idx).shape().dims());
        GradCheck.Fn f = in -> emb.forward(in[0]);
        check("Embedding(6 x 3) table, idx [2,4]", f, idx, emb.weight());
        assertCatchesSkew("Embedding", f, idx, emb.weight());

        // through a non-linearity, so the check depends on the looked-up values too
        GradCheck.Fn g = in -> Activations.tanh(emb.forward(in[0]));
        check("tanh(Embedding(6 x 3)) table", g, idx, emb.weight());
        assertCatchesSkew("tanh(Embedding)", g, idx, emb.weight());

        emb.zeroGrad();
        emb.forward(idx).backward(Tensor.full(B, 1f, 2, 4, 3));
        float[] grad = emb.weight().grad().toFloatArray();
        // counts of each index: row 0 twice, 1 once, 2 three times, 3 once, 4 never, 5 once
        float[] counts = {2, 1, 3, 1, 0, 1};
        for (int r = 0; r < 6; r++) {
            assertArrayEquals(new float[] {counts[r], counts[r], counts[r]}, java.util.Arrays.copyOfRange(grad, 3 * r,
                    3 * r + 3), 0f, "row " + r);
        }
    }
}
