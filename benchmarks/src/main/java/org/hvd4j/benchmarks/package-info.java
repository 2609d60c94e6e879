/**
 * Benchmarks: GEMM throughput ({@link org.hvd4j.benchmarks.GemmBench}); the synthetic, allreduce and JMH
 * benchmarks of the benchmarks issue join it here.
 */
package org.hvd4j.benchmarks;
