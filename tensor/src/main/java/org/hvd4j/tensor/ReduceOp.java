package org.hvd4j.tensor;

/** Reductions of {@link Backend#reduce}. */
public enum ReduceOp { SUM, MEAN, MAX }
