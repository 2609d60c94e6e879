package org.hvd4j.allreduce.rendezvous;

/**
 * A key did not appear, or a counter did not reach its target, within the timeout: usually the
 * rank that should have published it failed or has not started (see that rank's log).
 */
public class RendezvousTimeoutException extends RendezvousException {
    private static final long serialVersionUID = 1L;

    private final String key;

    public RendezvousTimeoutException(String key, String message) {
        super(message);
        this.key = key;
    }

    /** The key that was waited for. */
    public String key() {
        return key;
    }
}
