/**
 * Weight initialisers (Kaiming/Xavier uniform and normal, constants) and the seeded {@link
 * org.hvd4j.nn.init.Rng} they draw from. Each layer's default equals PyTorch's for that layer.
 */
package org.hvd4j.nn.init;
