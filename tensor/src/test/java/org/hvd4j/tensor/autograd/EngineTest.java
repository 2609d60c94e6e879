package org.hvd4j.tensor.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.TensorScope;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.hvd4j.tensor.ops.Activations;
import org.hvd4j.tensor.ops.Arith;
import org.hvd4j.tensor.ops.Reductions;
import org.junit.jupiter.api.Test;

/**
 * The backward engine: accumulation, zeroGrad, shared tensors, no-grad mode, gradient-ready hooks
 * and the errors for misuse.
 *
 * <p>Documented behaviour of a second backward through the same graph: the engine consumes the
 * graph, so the second call throws {@link IllegalStateException} (it never double counts), also when
 * only part of the graph was consumed by an earlier pass.
 */
class EngineTest {
    private static final Backend B = CpuBackend.get();

    private static Tensor param(float[] v, int... dims) {
        return Tensor.of(B, v, dims).requiresGrad(true);
    }

    private static float[] grad(Tensor t) {
        return t.grad().toFloatArray();
    }

    @Test
    void gradientAccumulatesAcrossTwoBackwardCalls() {
        Tensor x = param(new float[] {1, 2, 3}, 3);
        Tensor w = Tensor.of(B, new float[] {0.5f, -1, 4}, 3);
        Reductions.sum(Arith.mul(x, w)).backward();
        assertArrayEquals(new float[] {0.5f, -1, 4}, grad(x), 0f);
        Reductions.sum(Arith.mul(x, w)).backward();
        assertArrayEquals(new float[] {1, -2, 8}, grad(x), 0f);
        assertNull(w.grad(), "a constant gets no gradient");
    }

    @Test
    void zeroGradMakesTheNextAccumulationOverwrite() {
        Tensor x = param(new float[] {1, 2, 3}, 3);
        Tensor w = Tensor.of(B, new float[] {0.5f, -1, 4}, 3);
        Reductions.sum(Arith.mul(x, w)).backward();
        Reductions.sum(Arith.mul(x, w)).backward();
        Tensor buffer = x.grad();
        x.zeroGrad();
        Reductions.sum(Arith.scale(x, 3f)).backward();
        assertArrayEquals(new float[] {3, 3, 3}, grad(x), 0f, "overwritten, not added to 2w");
        assertTrue(buffer == x.grad(), "the gradient buffer is reused");
        // reading a cleared gradient shows zeros, and the next pass then adds to those zeros
        x.zeroGrad();
        assertArrayEquals(new float[3], grad(x), 0f);
        Reductions.sum(x).backward();
        assertArrayEquals(new float[] {1, 1, 1}, grad(x), 0f);
    }

    @Test
    void aGivenGradientBufferReceivesTheGradientAndKeepsItsNeighboursIntact() {
        // y = x w + b; w's and b's gradients are written in place by the linear node's GEMM
        Tensor x = Tensor.of(B, new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor w = param(new float[] {1, 0, -1, 2, 0.5f, 1}, 2, 3);
        Tensor b = param(new float[] {0, 0}, 2);
        Reductions.sum(Arith.linear(x, w, b)).backward();
        float[] first = grad(w);
        // a view at element 5 of a storage of 16 (as a shared gradient region holds it)
        Tensor region = Tensor.full(B, -7f, 16);
        Tensor view = Tensor.view(region.storage(), w.dtype(), w.shape(), 5);
        w.setGradBuffer(view);
        assertTrue(w.grad() == view, "the given buffer is the gradient from now on");
        assertArrayEquals(first, grad(w), 0f, "holding the current gradient");
        Reductions.sum(Arith.linear(x, w, b)).backward();
        float[] twice = first.clone();
        for (int i = 0; i < twice.length; i++) {
            twice[i] *= 2;
        }
        assertArrayEquals(twice, grad(w), 0f, "the next pass accumulates there");
        w.zeroGrad();
        Reductions.sum(Arith.linear(x, w, b)).backward();
        assertArrayEquals(first, grad(w), 0f, "and overwrites there after zeroGrad");
        float[] all = region.toFloatArray();
        for (int i = 0; i < 16; i++) {
            if (i < 5 || i >= 11) {
                assertEquals(-7f, all[i], "element " + i + " of the region is not the gradient's");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> b.setGradBuffer(view), "shape must match");
    }

    @Test
    void tensorUsedTwiceGetsTheSummedGradient() {
        Tensor x = param(new float[] {1, -2, 3}, 3);
        Reductions.sum(Arith.mul(x, x)).backward();
        assertArrayEquals(new float[] {2, -4, 6}, grad(x), 0f, "d(x·x)/dx = 2x");

        // diamond through leaves: u = 2x, v = 3x, y = Σ u·v = 6x² -> 12x
        Tensor a = param(new float[] {1, -2, 3}, 3);
        Reductions.sum(Arith.mul(Arith.scale(a, 2f), Arith.scale(a, 3f))).backward();
        assertArrayEquals(new float[] {12, -24, 36}, grad(a), 0f);

        // diamond through a non-leaf: h = 2x, y = Σ (h·h + h) -> (2h + 1)·2 = 8x + 2
        Tensor b = param(new float[] {1, -2, 3}, 3);
        Tensor h = Arith.scale(b, 2f);
        Reductions.sum(Arith.add(Arith.mul(h, h), h)).backward();
        assertArrayEquals(new float[] {10, -14, 26}, grad(b), 0f);

        // x + x: the same gradient tensor arrives twice on one edge pair
        Tensor c = param(new float[] {1, 2}, 2);
        Reductions.sum(Arith.add(c, c)).backward();
        assertArrayEquals(new float[] {2, 2}, grad(c), 0f);
    }

    @Test
    void detachCutsTheGraph() {
        Tensor x = param(new float[] {1, -2, 3}, 3);
        Reductions.sum(Arith.mul(x.detach(), x)).backward();
        assertArrayEquals(new float[] {1, -2, 3}, grad(x), 0f);
    }

    @Test
    void noGradRecordsNothing() {
        Tensor x = param(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor y;
        try (GradMode.Guard g = GradMode.noGrad()) {
            assertFalse(GradMode.isEnabled());
            try (GradMode.Guard inner = GradMode.noGrad()) {
                assertFalse(GradMode.isEnabled());
            }
            assertFalse(GradMode.isEnabled(), "closing a nested guard restores the outer (disabled) mode");
            y = Reductions.sum(Activations.tanh(Arith.matmul(x.reshape(2, 2), x)));
            assertFalse(y.requiresGrad());
            assertNull(y.gradFn());
            assertFalse(x.reshape(4).requiresGrad());
        }
        assertTrue(GradMode.isEnabled());
        Tensor finalY = y;
        IllegalStateException e = assertThrows(IllegalStateException.class, finalY::backward);
        assertTrue(e.getMessage().contains("does not require a gradient"), e.getMessage());
        assertNull(x.grad());
        assertTrue(Arith.scale(x, 2f).requiresGrad(), "recording is back on after the guard");
    }

    @Test
    void backwardOfANonScalarNeedsAGradient() {
        Tensor x = param(new float[] {1, 2, 3}, 3);
        Tensor y = Arith.scale(x, 2f).name("activations");
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("'activations'") && e.getMessage().contains("backward(gradient)"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.zeros(B, 2)));
        y.backward(Tensor.of(B, new float[] {1, 10, 100}, 3));
        assertArrayEquals(new float[] {2, 20, 200}, grad(x), 0f);
    }

    @Test
    void secondBackwardThroughTheSameGraphThrowsAndDoesNotDoubleCount() {
        Tensor x = param(new float[] {1, 2}, 2);
        Tensor loss = Reductions.sum(Arith.mul(x, x));
        loss.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("consumed"), e.getMessage());
        assertArrayEquals(new float[] {2, 4}, grad(x), 0f, "no second contribution");
    }

    @Test
    void backwardThroughAPartlyConsumedGraphThrowsInsteadOfDroppingGradients() {
        Tensor x = param(new float[] {1, 2}, 2);
        Tensor h = Arith.scale(x, 2f);
        Tensor y1 = Reductions.sum(h);
        Tensor y2 = Reductions.sum(Arith.mul(h, h));
        y1.backward();
        assertArrayEquals(new float[] {2, 2}, grad(x), 0f);
        // y2's own node is intact, but h's was consumed by y1.backward(): its contribution to x
        // cannot be computed any more, and a silent partial gradient would be a wrong result
        IllegalStateException e = assertThrows(IllegalStateException.class, y2::backward);
        assertTrue(e.getMessage().contains("consumed"), e.getMessage());
        assertArrayEquals(new float[] {2, 2}, grad(x), 0f, "a refused pass accumulates nothing");
        // recomputing the forward pass is the remedy
        Reductions.sum(Arith.mul(Arith.scale(x, 2f), Arith.scale(x, 2f))).backward();
        assertArrayEquals(new float[] {2 + 8, 2 + 16}, grad(x), 0f);
    }

    @Test
    void leafRootAndNonLeafFlags() {
        Tensor x = param(new float[] {5}, 1);
        int[] fired = {0};
        x.onGradReady(p -> fired[0]++);
        x.backward();
        assertArrayEquals(new float[] {1}, grad(x), 0f);
        assertEquals(1, fired[0]);
        Tensor y = Arith.scale(x, 2f);
        assertFalse(y.isLeaf());
        assertThrows(IllegalStateException.class, () -> y.requiresGrad(false));
    }

    @Test
    void deepGraphsDoNotOverflowTheStack() {
        Tensor x = param(new float[] {3}, 1);
        try (TensorScope scope = TensorScope.open()) {
            Tensor y = x;
            for (int i = 0; i < 30_000; i++) {
                y = Arith.scale(y, i % 2 == 0 ? 2f : 0.5f);
            }
            y.backward();
        }
        assertArrayEquals(new float[] {1}, grad(x), 0f);
    }

    @Test
    void hooksFireOncePerBackwardLastLayerFirstWithTheFinalGradient() {
        java.util.Random rng = new java.util.Random(1);
        Tensor x = Tensor.of(B, rand(rng, 4 * 5), 4, 5);
        Tensor[] params = {
            param(rand(rng, 6 * 5), 6, 5).name("fc1.weight"), param(rand(rng, 6), 6).name("fc1.bias"),
            param(rand(rng, 7 * 6), 7, 6).name("fc2.weight"), param(rand(rng, 7), 7).name("fc2.bias"),
            param(rand(rng, 3 * 7), 3, 7).name("fc3.weight"), param(rand(rng, 3), 3).name("fc3.bias")};
        List<String> order = new ArrayList<>();
        Map<String, float[]> seen = new HashMap<>();
        for (Tensor p : params) {
            p.onGradReady(t -> {
                order.add(t.name());
                seen.put(t.name(), t.grad().toFloatArray());
            });
        }
        for (int pass = 1; pass <= 2; pass++) {
            order.clear();
            Tensor h1 = Activations.tanh(Arith.linear(x, params[0], params[1]));
            Tensor h2 = Activations.tanh(Arith.linear(h1, params[2], params[3]));
            Reductions.sum(Activations.sigmoid(Arith.linear(h2, params[4], params[5]))).backward();
            assertEquals(6, order.size(), "each hook fires exactly once per backward: " + order);
            assertTrue(order.indexOf("fc3.weight") < order.indexOf("fc2.weight")
                    && order.indexOf("fc3.bias") < order.indexOf("fc2.weight")
                    && order.indexOf("fc2.weight") < order.indexOf("fc1.weight")
                    && order.indexOf("fc2.bias") < order.indexOf("fc1.weight"), "last layer first: " + order);
            for (Tensor p : params) {
                assertArrayEquals(grad(p), seen.get(p.name()), 0f, p.name() + " was not final inside its hook");
            }
        }
    }

    @Test
    void hookOfASharedParameterWaitsForItsLastContribution() {
        Tensor x = Tensor.of(B, new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor w = param(new float[] {0.1f, 0.2f, -0.3f, 0.4f, 0.5f, 0.6f, -0.7f, 0.8f, 0.9f}, 3, 3);
        Tensor other = param(new float[] {1, 1, 1}, 3);
        int[] calls = {0};
        float[][] inHook = new float[1][];
        w.onGradReady(p -> {
            calls[0]++;
            inHook[0] = p.grad().toFloatArray();
        });
        Tensor y = Arith.linear(Activations.tanh(Arith.linear(Activations.tanh(Arith.linear(x, w, null)), w, other)), w, null);
        Reductions.sum(y).backward();
        assertEquals(1, calls[0], "one call for three uses of the same weight");
        assertArrayEquals(grad(w), inHook[0], 0f);
        w.clearGradReadyHooks();
        Reductions.sum(Arith.linear(x, w, null)).backward();
        assertEquals(1, calls[0], "cleared hooks no longer fire");
    }

    @Test
    void hookOfAnUnusedParameterDoesNotFire() {
        Tensor used = param(new float[] {1, 2}, 2);
        Tensor unused = param(new float[] {1, 2}, 2);
        int[] calls = {0};
        unused.onGradReady(p -> calls[0]++);
        Reductions.sum(used).backward();
        assertEquals(0, calls[0]);
        assertNull(unused.grad());
    }

    private static float[] rand(java.util.Random rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rng.nextDouble() - 0.5);
        }
        return v;
    }
}
