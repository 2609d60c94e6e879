package org.hvd4j.allreduce.comm;

/** A collective failed: a peer died or disconnected, the job was aborted, or a protocol check failed. */
public class CommunicatorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CommunicatorException(String message) {
        super(message);
    }

    public CommunicatorException(String message, Throwable cause) {
        super(message, cause);
    }
}
