/**
 * The CPU backend: the readable reference implementation of {@link org.hvd4j.tensor.Backend}.
 * Memory is off-heap (direct buffers, so OpenBLAS reads it without copies), pooled by size. GEMM
 * goes to OpenBLAS, single-threaded, in blocks; everything else is plain Java loops (or Vector API
 * kernels), grouped by family ({@code CpuElementwise}, {@code CpuConv}, {@code CpuPool},
 * {@code CpuNorm}, ...). Both are split over the process's own threads ({@code Parallel}: the
 * caller and spinning workers, {@code Team}, {@code TeamWorker}, {@code Context}, {@code Join}).
 */
package org.hvd4j.tensor.cpu;
