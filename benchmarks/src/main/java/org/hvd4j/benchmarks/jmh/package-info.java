/**
 * JMH micro-benchmarks of the CPU backend's hot kernels at the shapes of the built-in models
 * ({@code scripts/hvdrun jmh}, or {@code java -cp ... org.openjdk.jmh.Main}).
 */
package org.hvd4j.benchmarks.jmh;
