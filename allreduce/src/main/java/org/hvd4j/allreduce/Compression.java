package org.hvd4j.allreduce;

import org.hvd4j.tensor.DType;

/**
 * What the distributed optimizer sends (Horovod's {@code Compression}): gradients as they are, or
 * cast to IEEE half precision for the allreduce and back (half the bytes on the wire, the sum
 * rounded to fp16 at every step; a predivide factor keeps large sums from overflowing).
 */
public enum Compression {
    NONE(null), FP16(DType.FLOAT16), BF16(DType.BFLOAT16);

    private final DType wireType;

    Compression(DType wireType) {
        this.wireType = wireType;
    }

    /** The type sent, or null for {@link #NONE}. */
    public DType wireType() {
        return wireType;
    }
}
