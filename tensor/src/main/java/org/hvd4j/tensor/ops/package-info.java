/**
 * Differentiable operations (the equivalent of {@code torch.nn.functional}), grouped by family:
 * {@link org.hvd4j.tensor.ops.Arith}, {@link org.hvd4j.tensor.ops.Activations}, {@link
 * org.hvd4j.tensor.ops.Reductions}, {@link org.hvd4j.tensor.ops.Softmax}, {@link
 * org.hvd4j.tensor.ops.Convolution}, {@link org.hvd4j.tensor.ops.Pooling}, {@link
 * org.hvd4j.tensor.ops.Normalization}, {@link org.hvd4j.tensor.ops.Dropout}, {@link
 * org.hvd4j.tensor.ops.Embedding}, {@link org.hvd4j.tensor.ops.Losses}. Each computes its forward
 * with the tensor's {@link org.hvd4j.tensor.Backend} and, when a gradient is needed, records a
 * {@link org.hvd4j.tensor.autograd.Node} that computes the backward with the same backend.
 */
package org.hvd4j.tensor.ops;
