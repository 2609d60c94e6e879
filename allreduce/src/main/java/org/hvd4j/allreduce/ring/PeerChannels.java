package org.hvd4j.allreduce.ring;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * Direct connections to any rank of the group, made on first use (only alltoall needs them:
 * a ring carries every other collective). Calls for the same peer return the same channel.
 */
public interface PeerChannels extends AutoCloseable {

    /** The connection to {@code peer}, connecting (or accepting) it if needed. */
    SocketChannel channel(int peer) throws IOException;

    @Override
    void close();
}
