package org.hvd4j.allreduce.comm;

import java.io.IOException;

/**
 * A slow side channel among the ranks of one communicator, used only while transports are being
 * set up (shared-memory file names, process ids): the runtime implements it over the rendezvous
 * server, tests over a shared map.
 */
public interface GroupExchange {

    /**
     * Publishes {@code mine} under {@code key} and returns every rank's value, indexed by rank
     * within the group. Every rank of the group must call it with the same key.
     */
    byte[][] allgather(String key, byte[] mine) throws IOException;
}
