package org.hvd4j.tensor;

/**
 * Element types. Tensor kernels exist for {@link #FLOAT32} (values) and {@link #INT32} (labels,
 * indices); the collectives of the distributed runtime reduce every type (FLOAT64 serves metric
 * averaging, FLOAT16/BFLOAT16 gradient compression).
 */
public enum DType {
    FLOAT32(4), FLOAT64(8), BFLOAT16(2), FLOAT16(2), INT32(4), INT64(8), UINT8(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    /** Whether the type holds floating-point values (float32/64, float16, bfloat16). */
    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT64 || this == FLOAT16 || this == BFLOAT16;
    }
}
