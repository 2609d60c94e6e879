package org.hvd4j.tensor;

/** Element types. Kernels exist for {@link #FLOAT32} (values) and {@link #INT32} (labels, indices). */
public enum DType {
    FLOAT32(4), BFLOAT16(2), FLOAT16(2), INT32(4), INT64(8), UINT8(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }
}
