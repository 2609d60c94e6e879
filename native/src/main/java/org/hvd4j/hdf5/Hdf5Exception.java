package org.hvd4j.hdf5;

/** An HDF5 file, object or operation failed; the message names the file and the object. */
public class Hdf5Exception extends RuntimeException {
    public Hdf5Exception(String message) {
        super(message);
    }

    public Hdf5Exception(String message, Throwable cause) {
        super(message, cause);
    }
}
