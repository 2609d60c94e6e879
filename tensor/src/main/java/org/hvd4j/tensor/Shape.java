package org.hvd4j.tensor;

import java.util.Arrays;

/** An immutable list of dimension sizes, row-major (the last dimension is contiguous). */
public final class Shape {
    private final int[] dims;
    private final long numel;

    private Shape(int[] dims) {
        long n = 1;
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(dims));
            }
            n *= d;
        }
        this.dims = dims;
        this.numel = n;
    }

    /** A shape with the given dimensions (copied). */
    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /** Number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** Size of dimension {@code i}; negative {@code i} counts from the end. */
    public int dim(int i) {
        return dims[i < 0 ? dims.length + i : i];
    }

    /** Total number of elements (product of dimensions; 1 for a scalar). */
    public long numel() {
        return numel;
    }

    /** Number of elements as an int, failing loudly when a tensor is too large for one buffer. */
    public int size() {
        if (numel > Integer.MAX_VALUE) {
            throw new IllegalStateException("tensor of shape " + this + " exceeds 2^31-1 elements");
        }
        return (int) numel;
    }

    /** Product of the dimensions from {@code from} (inclusive) to the end. */
    public int sizeFrom(int from) {
        long n = 1;
        for (int i = from; i < dims.length; i++) {
            n *= dims[i];
        }
        return (int) n;
    }

    /** A copy of the dimensions. */
    public int[] dims() {
        return dims.clone();
    }

    /**
     * Resolves a reshape target: at most one {@code -1} is inferred from the element count.
     *
     * @throws IllegalArgumentException when the element counts differ
     */
    public Shape reshape(int... target) {
        int[] t = target.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < t.length; i++) {
            if (t[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("only one -1 allowed in reshape " + Arrays.toString(target));
                }
                infer = i;
            } else {
                known *= t[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + this + " to " + Arrays.toString(target));
            }
            t[infer] = (int) (numel / known);
        }
        Shape s = new Shape(t);
        if (s.numel != numel) {
            throw new IllegalArgumentException("cannot reshape " + this + " (" + numel + " elements) to "
                    + s + " (" + s.numel + " elements)");
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
