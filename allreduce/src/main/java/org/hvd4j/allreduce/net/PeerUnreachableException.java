package org.hvd4j.allreduce.net;

import java.io.IOException;

/**
 * {@link Dialer} found nobody listening at the address within the timeout: the peer has not
 * started, has died, or the address is wrong. {@link #getCause()} is the last connect failure.
 * (A peer that answers but fails the handshake raises other exceptions.)
 */
public class PeerUnreachableException extends IOException {
    private static final long serialVersionUID = 1L;

    public PeerUnreachableException(String message, Throwable lastCause) {
        super(message, lastCause);
    }
}
