package org.hvd4j.cuda;

/** Element types that cross the driver interface (cuBLAS's {@code cudaDataType}). */
public enum CudaDataType {
    /** float32, {@code CUDA_R_32F}. */
    F32(4),
    /** IEEE half, {@code CUDA_R_16F}. */
    F16(2),
    /** bfloat16, {@code CUDA_R_16BF}. */
    BF16(2);

    private final int bytes;

    CudaDataType(int bytes) {
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }
}
