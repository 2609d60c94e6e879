package org.hvd4j.allreduce.rendezvous;

import java.io.IOException;

/**
 * The rendezvous server refused a request (a key or value over the limits, a counter operation
 * on a key that holds something else). The connection stays usable.
 */
public class RendezvousException extends IOException {
    private static final long serialVersionUID = 1L;

    public RendezvousException(String message) {
        super(message);
    }
}
