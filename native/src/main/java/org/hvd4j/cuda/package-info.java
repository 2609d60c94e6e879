/**
 * CUDA binding: the kernels' launch ABI ({@code native/src/main/cuda/hvd4j_kernels.h}, parsed by
 * {@link org.hvd4j.cuda.KernelSignatures}), their PTX build, the narrow {@link org.hvd4j.cuda.CudaDriver}
 * interface that the CUDA backend drives, and its implementation over the CUDA driver API, cuBLAS
 * and NCCL through the JavaCPP presets.
 */
package org.hvd4j.cuda;
