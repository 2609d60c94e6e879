package org.hvd4j.nn.layers;

import static org.hvd4j.nn.Approx.assertMatches;
import static org.hvd4j.nn.Approx.ints;
import static org.hvd4j.nn.Approx.load;
import static org.hvd4j.nn.Approx.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.hvd4j.nn.fixtures.Fixture;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/** Embedding lookup and its weight gradient, where repeated indices (1 twice, 4 three times) add up. */
class EmbeddingFixtureTest {

    @Test
    void embeddingMatchesPyTorch() {
        Fixture f = Fixture.load("embedding");
        Embedding emb = new Embedding(CpuBackend.get(), f.intParam("num_embeddings"), f.intParam("embedding_dim"));
        load(f, "weight", emb.weight());
        Tensor idx = ints(f, "indices");
        assertArrayEquals(new int[] {1, 4, 1, 6, 0, 4, 4, 2}, idx.toIntArray());

        Tensor y = emb.forward(idx);
        assertMatches(f, "y", y, 0, 0); // a lookup copies values exactly
        y.backward(tensor(f, "gy"));
        assertMatches(f, "grad_weight", emb.weight().grad());
    }
}
