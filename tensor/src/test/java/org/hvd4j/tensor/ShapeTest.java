package org.hvd4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/** Shape arithmetic, reshape resolution and its errors, and tensor views built on it. */
class ShapeTest {

    @Test
    void basics() {
        Shape s = Shape.of(2, 3, 4);
        assertEquals(3, s.rank());
        assertEquals(24, s.numel());
        assertEquals(24, s.size());
        assertEquals(4, s.dim(-1));
        assertEquals(2, s.dim(0));
        assertEquals(12, s.sizeFrom(1));
        assertEquals(1, s.sizeFrom(3));
        assertEquals(1, Shape.of().numel(), "a scalar has one element");
        assertEquals(0, Shape.of(3, 0).numel());
        assertEquals(Shape.of(2, 3, 4), s);
        assertEquals(Shape.of(2, 3, 4).hashCode(), s.hashCode());
        assertNotEquals(Shape.of(4, 3, 2), s);
        assertEquals("[2, 3, 4]", s.toString());
    }

    @Test
    void isImmutable() {
        int[] dims = {2, 3};
        Shape s = Shape.of(dims);
        dims[0] = 99;
        assertEquals(2, s.dim(0));
        s.dims()[1] = 99;
        assertEquals(3, s.dim(1));
    }

    @Test
    void reshapeInfersOneDimension() {
        Shape s = Shape.of(2, 3, 4);
        assertEquals(Shape.of(6, 4), s.reshape(-1, 4));
        assertEquals(Shape.of(2, 12), s.reshape(2, -1));
        assertEquals(Shape.of(24), s.reshape(-1));
        assertEquals(Shape.of(1, 24, 1), s.reshape(1, -1, 1));
    }

    @Test
    void badReshapesAreErrorsThatNameBothShapes() {
        Shape s = Shape.of(2, 3, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.reshape(5, 5));
        assertTrue(e.getMessage().contains("[2, 3, 4]") && e.getMessage().contains("[5, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.reshape(-1, -1));
        assertTrue(e.getMessage().contains("only one -1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.reshape(5, -1), "24 is not a multiple of 5");
        assertThrows(IllegalArgumentException.class, () -> s.reshape(0, -1));
        assertThrows(IllegalArgumentException.class, () -> s.reshape(-2, -12));
        assertThrows(IllegalArgumentException.class, () -> Shape.of(2, -3));
    }

    @Test
    void tensorViews() {
        Backend b = CpuBackend.get();
        Tensor t = Tensor.of(b, new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 2, 3, 2);
        Tensor r = t.reshape(3, -1);
        assertEquals(Shape.of(3, 4), r.shape());
        assertTrue(r.storage() == t.storage(), "reshape is a view");
        assertEquals(Shape.of(2, 6), t.flatten(1).shape());
        Tensor rows = t.reshape(6, 2).narrowRows(2, 4);
        assertEquals(4, rows.offset());
        assertArrayEquals(new float[] {4, 5, 6, 7}, rows.toFloatArray(), 0f);
        assertThrows(IndexOutOfBoundsException.class, () -> t.narrowRows(1, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.reshape(5));
        assertTrue(e.getMessage().contains("cannot reshape"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(b, new float[5], 2, 3));
        assertThrows(IllegalStateException.class, t::item);
        assertEquals(7f, t.reshape(12).narrowRows(7, 8).item());
    }
}
