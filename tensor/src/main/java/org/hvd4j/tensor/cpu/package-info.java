/**
 * The CPU backend: the readable reference implementation of {@link org.hvd4j.tensor.Backend}.
 * Memory is off-heap (direct buffers, so OpenBLAS reads it without copies), pooled by size. GEMM
 * goes to OpenBLAS; everything else is plain Java loops split over a small thread pool, grouped by
 * family ({@code CpuElementwise}, {@code CpuConv}, {@code CpuPool}, {@code CpuNorm}, ...).
 */
package org.hvd4j.tensor.cpu;
