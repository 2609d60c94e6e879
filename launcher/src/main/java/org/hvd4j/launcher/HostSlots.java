package org.hvd4j.launcher;

/**
 * One host of a job and how many ranks it may run.
 *
 * @param host  the name or address as the user wrote it (ssh connects to it; ranks on it share
 *              this name as their host name, so they form one host for the shared-memory transport)
 * @param slots ranks this host may run, at least 1
 */
public record HostSlots(String host, int slots) {
    public HostSlots {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("a host name must not be empty");
        }
        if (slots < 1) {
            throw new IllegalArgumentException("host " + host + " needs at least 1 slot, got " + slots);
        }
    }

    @Override
    public String toString() {
        return host + ":" + slots;
    }
}
