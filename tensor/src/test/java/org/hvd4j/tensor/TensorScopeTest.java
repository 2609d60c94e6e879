package org.hvd4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hvd4j.tensor.cpu.CpuBackend;
import org.hvd4j.tensor.ops.Arith;
import org.junit.jupiter.api.Test;

/** Scoped tensor memory: recycling through the pool, use-after-close errors, keep() and persistent(). */
class TensorScopeTest {
    private static final Backend B = CpuBackend.get();

    @Test
    void closedScopeReturnsBuffersToThePool() {
        // an odd size that no other test uses, so the pool starts empty for it
        int n = 1237;
        try (TensorScope s = TensorScope.open()) {
            Tensor.zeros(B, n);
            Tensor.zeros(B, n);
        }
        long fresh = B.freshAllocations();
        for (int i = 0; i < 5; i++) {
            try (TensorScope s = TensorScope.open()) {
                Tensor a = Tensor.zeros(B, n);
                Tensor b = Tensor.full(B, 1f, n);
                assertFalse(a.storage() == b.storage());
                assertEquals(0f, a.toFloatArray()[0]);
            }
        }
        assertEquals(fresh, B.freshAllocations(), "every buffer came from the pool");
        try (TensorScope s = TensorScope.open()) {
            Tensor.zeros(B, n);
            Tensor.zeros(B, n);
            Tensor.zeros(B, n); // a third buffer of this size is new
        }
        assertEquals(fresh + 1, B.freshAllocations());
    }

    @Test
    void readingAfterCloseThrowsNamingTheTensor() {
        Tensor t;
        Tensor unnamed;
        try (TensorScope s = TensorScope.open()) {
            t = Tensor.full(B, 2f, 3, 4).name("activations");
            unnamed = Tensor.zeros(B, 5, 6);
            assertEquals(2f, t.toFloatArray()[0]);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, t::toFloatArray);
        assertTrue(e.getMessage().contains("'activations'") && e.getMessage().contains("TensorScope"), e.getMessage());
        assertThrows(IllegalStateException.class, t::item);
        e = assertThrows(IllegalStateException.class, unnamed::toFloatArray);
        assertTrue(e.getMessage().contains("[5, 6]"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> t.reshape(12).toFloatArray(), "views share the check");
        assertTrue(t.storage().isReleased());
    }

    @Test
    void keepMovesATensorToTheEnclosingScope() {
        Tensor kept;
        Tensor dropped;
        try (TensorScope outer = TensorScope.open()) {
            try (TensorScope inner = TensorScope.open()) {
                kept = inner.keep(Tensor.full(B, 3f, 4).name("kept"));
                dropped = Tensor.full(B, 4f, 4).name("dropped");
            }
            assertArrayEquals(new float[] {3, 3, 3, 3}, kept.toFloatArray(), 0f);
            assertThrows(IllegalStateException.class, dropped::toFloatArray);
        }
        assertThrows(IllegalStateException.class, kept::toFloatArray, "released with the outer scope");

        // keep() in the outermost scope takes the tensor out of scoped memory altogether
        Tensor free;
        try (TensorScope only = TensorScope.open()) {
            free = only.keep(Tensor.full(B, 5f, 2));
        }
        assertArrayEquals(new float[] {5, 5}, free.toFloatArray(), 0f);
    }

    @Test
    void persistentAllocationsOutliveTheScopeAndGradientsArePersistent() {
        Tensor p;
        Tensor x = Tensor.of(B, new float[] {1, 2}, 2).requiresGrad(true);
        try (TensorScope s = TensorScope.open()) {
            p = TensorScope.persistent(() -> Tensor.full(B, 7f, 3));
            Tensor inScope = Tensor.zeros(B, 3);
            assertFalse(inScope.storage().isReleased());
            Arith.scale(x, 2f).backward(Tensor.full(B, 1f, 2));
        }
        assertArrayEquals(new float[] {7, 7, 7}, p.toFloatArray(), 0f);
        assertArrayEquals(new float[] {2, 2}, x.grad().toFloatArray(), 0f, "grad buffers live outside scopes");
        // closing twice is harmless
        TensorScope s = TensorScope.open();
        s.close();
        s.close();
    }

    @Test
    void outsideAnyScopeNothingIsReleased() {
        Tensor t = Tensor.full(B, 1f, 3);
        try (TensorScope s = TensorScope.open()) {
            Tensor.zeros(B, 3);
        }
        assertArrayEquals(new float[] {1, 1, 1}, t.toFloatArray(), 0f);
    }

    @Test
    void oversizedAllocationIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> B.allocate(3L << 30));
        assertTrue(e.getMessage().contains("2 GiB"), e.getMessage());
    }
}
