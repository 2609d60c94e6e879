package org.hvd4j.tensor.cuda;

import java.util.Locale;

/**
 * How the CUDA backend's GEMMs (linear layers and convolutions) compute. Activations, gradients,
 * master weights and optimizer state stay float32 in every mode.
 */
public enum CudaPrecision {
    /** Exact float32 ({@code CUBLAS_DEFAULT_MATH}, no TF32). */
    FP32,
    /** float32 storage, TF32 tensor cores allowed (the default, as PyTorch's cuDNN convolutions). */
    TF32,
    /** Inputs rounded to bfloat16, float32 accumulation and output ({@code cublasGemmEx}). */
    BF16,
    /** Inputs rounded to IEEE half, float32 accumulation; train it with dynamic loss scaling. */
    FP16;

    /** Parses {@code fp32}, {@code tf32}, {@code bf16} or {@code fp16}. */
    public static CudaPrecision parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown precision '" + text + "': use fp32, tf32, bf16 or fp16");
        }
    }
}
