/**
 * Data sets and the input pipeline of a training loop.
 *
 * <ul>
 *   <li>{@link org.hvd4j.datasets.Dataset}: indexed samples (features as floats, an integer
 *       label); {@link org.hvd4j.datasets.InMemoryDataset} holds them in one flat array, already
 *       normalised with a {@link org.hvd4j.datasets.Normalization}.
 *   <li>{@link org.hvd4j.datasets.FashionMnist}: finds (or downloads and verifies) Fashion-MNIST;
 *       {@link org.hvd4j.datasets.FashionMnistLocator} is the same search with every place
 *       configurable.
 *   <li>{@link org.hvd4j.datasets.EpochOrder}: the documented derivation of a shuffle from
 *       (seed, epoch); {@link org.hvd4j.datasets.DistributedSampler}: the shard of that order one
 *       rank visits, with PyTorch's {@code DistributedSampler} semantics.
 *   <li>{@link org.hvd4j.datasets.DataLoader}: batches of a data set in the sampler's order, filled
 *       ahead by a background thread into a small ring of reusable {@link
 *       org.hvd4j.datasets.Batch} buffers.
 * </ul>
 *
 * <p>Errors about data (missing, malformed, failed download) are {@link
 * org.hvd4j.datasets.DatasetException}s that name the file and carry exit code 2.
 */
package org.hvd4j.datasets;
