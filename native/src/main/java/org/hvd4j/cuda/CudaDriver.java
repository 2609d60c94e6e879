package org.hvd4j.cuda;

import java.nio.ByteBuffer;

/**
 * The narrow interface through which the CUDA backend drives one GPU: device memory, pinned host
 * memory, streams and events, asynchronous copies, kernel launches by name (the kernels of
 * {@code native/src/main/cuda/hvd4j_kernels.h}) and cuBLAS GEMM.
 *
 * <p>Two implementations: {@link JavaCppCudaDriver} over the CUDA driver API and cuBLAS, and the
 * host emulation in the tensor module, which runs each launch on the kernel's CPU twin and GEMM
 * with cuBLAS's column-major semantics on host buffers, so that everything above this interface is
 * exercised on machines without a GPU.
 *
 * <p>Addresses are device addresses ({@code CUdeviceptr}) as {@code long}; adding a byte offset to
 * an address gives the address of that byte. Streams and events are opaque non-zero handles;
 * stream {@code 0} is not used. Copies and launches are asynchronous with respect to the host
 * unless a method says otherwise: the caller synchronises a stream (or an event) before it reads
 * a host buffer that a copy writes, or reuses one that a copy reads.
 *
 * <p>Every call may be made from any thread (the implementation makes its context current).
 * Failures raise {@link CudaException}, naming the call.
 */
public interface CudaDriver extends AutoCloseable {

    /** {@code cuda} or {@code emulated}. */
    String name();

    /** The device this driver was opened on. */
    CudaDeviceInfo device();

    // ---- memory -------------------------------------------------------------------------------

    /** {@code cuMemAlloc}: {@code bytes} (> 0) of device memory, aligned to at least 256 bytes. */
    long malloc(long bytes);

    /** {@code cuMemFree}. */
    void free(long address);

    /** {@code cuMemGetInfo}: free and total device memory in bytes. */
    long[] memoryInfo();

    /** {@code cuMemHostAlloc}: page-locked host memory (native byte order) for fast asynchronous copies. */
    ByteBuffer hostAlloc(int bytes);

    /** Frees a buffer from {@link #hostAlloc}. */
    void hostFree(ByteBuffer buffer);

    // ---- streams and events -------------------------------------------------------------------

    /** A new non-blocking stream. */
    long streamCreate();

    /** Blocks until everything enqueued on {@code stream} has finished. */
    void streamSynchronize(long stream);

    void streamDestroy(long stream);

    /** An event without timing. */
    long eventCreate();

    /** Records {@code event} at the current end of {@code stream}. */
    void eventRecord(long event, long stream);

    /** Makes later work on {@code stream} wait for {@code event} (no host blocking). */
    void streamWaitEvent(long stream, long event);

    /** Blocks until {@code event} has completed. */
    void eventSynchronize(long event);

    void eventDestroy(long event);

    // ---- copies ---------------------------------------------------------------------------------

    /** {@code bytes} from {@code src[srcPos, ...)} (a direct buffer, pinned for real overlap) to device {@code dst}. */
    void copyHostToDevice(long dst, ByteBuffer src, int srcPos, long bytes, long stream);

    /** {@code bytes} from device {@code src} to {@code dst[dstPos, ...)} (a direct buffer). */
    void copyDeviceToHost(ByteBuffer dst, int dstPos, long src, long bytes, long stream);

    /** Device to device. */
    void copyDeviceToDevice(long dst, long src, long bytes, long stream);

    /** {@code cuMemsetD8Async}: {@code bytes} bytes of {@code value}. */
    void memset(long dst, byte value, long bytes, long stream);

    // ---- kernels --------------------------------------------------------------------------------

    /**
     * Launches the kernel {@code name} (an {@code extern "C"} entry of hvd4j_kernels.h) with a
     * {@code gridX × gridY} grid of {@code blockX}-thread blocks on {@code stream}.
     *
     * @throws CudaException if the kernel does not exist, the arguments do not match its
     *         parameters, or the launch fails
     */
    void launch(String name, int gridX, int gridY, int blockX, long stream, KernelArgs args);

    // ---- cuBLAS -------------------------------------------------------------------------------

    /**
     * cuBLAS's column-major {@code cublasSgemm}: {@code C = alpha·op(A)·op(B) + beta·C} with
     * {@code op(A)} m×k, {@code op(B)} k×n, C m×n, each matrix stored column-major with leading
     * dimension {@code ld*} (>= its stored row count). {@code beta == 0} does not read C.
     */
    void sgemm(long stream, boolean transA, boolean transB, int m, int n, int k, float alpha,
               long a, int lda, long b, int ldb, float beta, long c, int ldc);

    /**
     * {@code cublasSgemmStridedBatched}: {@code batch} independent {@link #sgemm}s, matrix i of A at
     * {@code a + i·strideA} elements (strides may be 0 to reuse one matrix).
     */
    void sgemmStridedBatched(long stream, boolean transA, boolean transB, int m, int n, int k, float alpha,
                             long a, int lda, long strideA, long b, int ldb, long strideB,
                             float beta, long c, int ldc, long strideC, int batch);

    /**
     * {@code cublasGemmEx} with 16-bit inputs ({@code inputType} {@link CudaDataType#BF16} or
     * {@link CudaDataType#F16}), float32 C and float32 accumulation ({@code CUBLAS_COMPUTE_32F}).
     */
    void gemmEx16(long stream, CudaDataType inputType, boolean transA, boolean transB, int m, int n, int k,
                  float alpha, long a, int lda, long b, int ldb, float beta, long c, int ldc);

    /**
     * Whether float32 GEMMs may use TF32 tensor cores ({@code CUBLAS_TF32_TENSOR_OP_MATH}); off means
     * {@code CUBLAS_DEFAULT_MATH}: exact float32 for SGEMM, tensor cores still used for 16-bit
     * {@link #gemmEx16} inputs. The emulation always computes exact float32,
     * which both settings allow.
     */
    void setTf32(boolean allowed);

    /** Releases the context, cuBLAS handle, streams and every allocation; idempotent. */
    @Override
    void close();
}
