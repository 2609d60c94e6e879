/**
 * Neural-network modules: {@link org.hvd4j.nn.Module} (named parameters with stable dotted paths
 * such as {@code fc1.weight}, train/eval mode) and {@link org.hvd4j.nn.Sequential}. Layers live in
 * {@code .layers}, losses in {@code .loss}, optimizers and learning-rate schedules in {@code
 * .optim}, weight initialisers in {@code .init}. Parameter layouts follow PyTorch.
 */
package org.hvd4j.nn;
