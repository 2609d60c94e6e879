/**
 * Training data from HDF5 files ({@code --dataset hdf5:PATH --x NAME --y NAME}): features of any
 * rank and of the usual element types, integer labels, chunked and gzip-compressed datasets and
 * datasets inside groups, read through {@code org.hvd4j.hdf5}.
 *
 * <p>A data set whose features fit the memory budget ({@link org.hvd4j.datasets.hdf5.DataMemory})
 * is decoded into memory block by block when it is opened; a larger one stays in the file and each
 * mini-batch's rows are read from it (run by run, in file order), so a file larger than memory
 * trains without ever being read whole. Labels are always held (four bytes a sample) and checked against
 * the model's classes when the file is opened.
 */
package org.hvd4j.datasets.hdf5;
