package org.hvd4j.allreduce.runtime;

/** Names the runtime reserves for its own collectives. */
public final class Hvd4jNames {
    /** The name under which a rank's {@code join()} waits. */
    public static final String JOIN = "hvd4j.join";

    private Hvd4jNames() {
    }
}
