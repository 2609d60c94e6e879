/**
 * The IDX file format of MNIST and Fashion-MNIST: {@link org.hvd4j.datasets.idx.IdxReader} reads
 * raw or gzip-compressed files (recognised by their content, not their name) into an
 * {@link org.hvd4j.datasets.idx.IdxArray}; {@link org.hvd4j.datasets.idx.IdxWriter} writes them,
 * for synthetic data sets and tests.
 *
 * <p>Format: a big-endian magic number {@code 0x0000TTDD} (TT the element type, DD the number of
 * dimensions), DD big-endian 32-bit sizes, then the elements in row-major order. Only unsigned
 * bytes ({@code TT = 0x08}) are supported: that is all MNIST-style image and label files use.
 * Every problem is reported as a {@link org.hvd4j.datasets.DatasetException} naming the file.
 */
package org.hvd4j.datasets.idx;
