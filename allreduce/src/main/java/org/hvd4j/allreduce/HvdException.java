package org.hvd4j.allreduce;

/**
 * A collective failed on this rank: the ranks disagreed about a tensor (the message names it,
 * the ranks and their shapes), a peer died, the job was aborted or shut down (Horovod's
 * {@code HorovodInternalError}). After an abort or shutdown every later collective fails too.
 */
public class HvdException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public HvdException(String message) {
        super(message);
    }

    public HvdException(String message, Throwable cause) {
        super(message, cause);
    }
}
