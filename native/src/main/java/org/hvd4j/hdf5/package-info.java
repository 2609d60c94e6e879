/**
 * A thin, safe layer over the HDF5 C library (JavaCPP's {@code org.bytedeco:hdf5} preset), shared by
 * the HDF5 data sets ({@code datasets}) and the HDF5 checkpoints ({@code nn.io}): files, datasets of
 * any rank read by ranges of rows (hyperslabs) with HDF5's own type conversion, datasets written
 * whole (optionally chunked and gzip-compressed), string and number attributes, and every error
 * as an {@link org.hvd4j.hdf5.Hdf5Exception} naming the file and the object. The HDF5 library is
 * not built thread-safe, so every call goes through one lock.
 */
package org.hvd4j.hdf5;
