package org.hvd4j.tensor.ops;

import java.util.Arrays;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.Tensor;

/** Argument checks with messages that name the operation and the tensors. */
final class Checks {
    private Checks() {
    }

    static void rank(String op, Tensor t, int rank) {
        if (t.shape().rank() != rank) {
            throw new IllegalArgumentException(op + ": expected a " + rank + "-D tensor, got " + t.describe());
        }
    }

    static void sameShape(String op, Tensor a, Tensor b) {
        if (!a.shape().equals(b.shape())) {
            throw new IllegalArgumentException(op + ": shapes differ: " + a.describe() + " vs " + b.describe());
        }
    }

    static void floats(String op, Tensor t) {
        if (t.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(op + ": " + t.describe() + " must be FLOAT32, is " + t.dtype());
        }
    }

    static void ints(String op, Tensor t) {
        if (t.dtype() != DType.INT32) {
            throw new IllegalArgumentException(op + ": " + t.describe() + " must be INT32, is " + t.dtype());
        }
    }

    static void sameBackend(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && t.backend() != ts[0].backend()) {
                throw new IllegalArgumentException(op + ": tensors on different devices: "
                        + Arrays.toString(Arrays.stream(ts).map(x -> x == null ? "null" : x.describe() + "@" + x.device()).toArray()));
            }
        }
    }

    static Tensor like(Tensor t) {
        return Tensor.empty(t.backend(), t.dtype(), t.shape());
    }
}
