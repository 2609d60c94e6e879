/**
 * Layers: {@link org.hvd4j.nn.layers.Linear}, {@link org.hvd4j.nn.layers.Conv2d}, pooling, batch
 * normalisation, dropout, flatten, activations and {@link org.hvd4j.nn.layers.Embedding}. Each
 * documents its formula and shapes; parameters use PyTorch's names and layouts.
 */
package org.hvd4j.nn.layers;
