package org.hvd4j.allreduce;

/**
 * How a collective combines the values of all ranks, element by element.
 *
 * <p>{@link #AVERAGE} is {@link #SUM} followed by a multiplication by {@code 1/size} (Horovod's
 * post-scale), and is defined for floating-point types only: averaging integers would have to
 * round, which is better done by the caller after a {@link #SUM}.
 */
public enum Reduction {
    SUM, AVERAGE, MIN, MAX, PRODUCT
}
