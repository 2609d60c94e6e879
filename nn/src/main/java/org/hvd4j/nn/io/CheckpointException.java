package org.hvd4j.nn.io;

/** A checkpoint that cannot be read, is damaged, or does not fit the model; the message names the file. */
public final class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
