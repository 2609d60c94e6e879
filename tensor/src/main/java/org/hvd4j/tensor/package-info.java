/**
 * Tensors: {@link org.hvd4j.tensor.Tensor}, {@link org.hvd4j.tensor.Shape},
 * {@link org.hvd4j.tensor.DType}, {@link org.hvd4j.tensor.Device}, and the
 * {@link org.hvd4j.tensor.Backend} contract that every device implements.
 *
 * <p>Memory model: a tensor is a contiguous row-major view (shape, offset) of a {@link
 * org.hvd4j.tensor.Storage}. Storage comes from its backend's pool; a {@link
 * org.hvd4j.tensor.TensorScope} returns every buffer allocated inside it to the pool when it
 * closes, so a warmed-up training step allocates no tensor memory at all.
 */
package org.hvd4j.tensor;
