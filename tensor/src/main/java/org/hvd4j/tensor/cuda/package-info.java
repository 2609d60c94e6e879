/**
 * The CUDA backend ({@link org.hvd4j.tensor.cuda.CudaBackend}), written against the narrow
 * {@link org.hvd4j.cuda.CudaDriver}: a caching device allocator, pinned staging buffers, one
 * compute stream, kernels launched by name, cuBLAS GEMM with TF32 / bf16 / fp16 modes, and
 * convolution as im2col plus one GEMM per chunk of images. {@link org.hvd4j.tensor.cuda.EmulatedCudaDriver}
 * runs the same launches on the CPU twins of the kernels, with deferred per-stream execution, so
 * that the whole backend is tested on machines without a GPU ({@code --device emulated-cuda}).
 */
package org.hvd4j.tensor.cuda;
