package org.hvd4j.allreduce.net;

import java.io.IOException;

/**
 * The other side of a connection does not know the job secret (or refused ours): it belongs to
 * another job, was started with another {@code HVD4J_SECRET}, or is not an hvd4j peer at all.
 * Retrying does not help.
 */
public class AuthenticationException extends IOException {
    private static final long serialVersionUID = 1L;

    public AuthenticationException(String message) {
        super(message);
    }
}
