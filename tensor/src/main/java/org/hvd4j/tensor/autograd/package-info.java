/**
 * Reverse-mode automatic differentiation: each differentiable operation attaches a {@link
 * org.hvd4j.tensor.autograd.Node} to its output; {@link org.hvd4j.tensor.autograd.Engine} walks the
 * recorded graph from the loss in reverse topological order, accumulates gradients into the leaves'
 * {@code grad()}, and fires a leaf's {@link org.hvd4j.tensor.autograd.GradReadyHook} the moment its
 * last contribution has arrived — the point where a distributed optimizer can start the allreduce
 * while the rest of the backward pass runs. {@link org.hvd4j.tensor.autograd.GradMode} turns
 * recording off.
 */
package org.hvd4j.tensor.autograd;
