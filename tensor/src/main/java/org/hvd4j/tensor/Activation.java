package org.hvd4j.tensor;

/**
 * Pointwise activations. GELU is the exact erf form, {@code x/2 * (1 + erf(x/√2))}, as PyTorch's
 * default.
 */
public enum Activation { RELU, GELU, TANH, SIGMOID }
