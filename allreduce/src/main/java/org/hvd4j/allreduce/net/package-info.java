/**
 * Authenticated TCP connections between the ranks of one job, and between ranks and the
 * rendezvous server.
 *
 * <p>Every connection starts with {@link org.hvd4j.allreduce.net.Handshake}: a mutual
 * HMAC-SHA256 challenge–response over the per-job {@link org.hvd4j.allreduce.net.Secret}
 * ({@code HVD4J_SECRET}), so that a process of another job, a port scanner or a stale rank from an
 * earlier run is rejected before it can send a single byte of application data, and so that a rank
 * also detects a fake server. The handshake also carries the connection's purpose (for example
 * {@code "ring"} or {@code "rendezvous"}) and the connecting rank, which is how the accepting side
 * knows which socket belongs to whom.
 *
 * <p>{@link org.hvd4j.allreduce.net.PeerListener} accepts and authenticates incoming connections
 * and files them by (purpose, rank); {@link org.hvd4j.allreduce.net.Dialer} connects (retrying
 * while the peer's listener is not up yet). Both hand back sockets that belong to a
 * {@link java.nio.channels.SocketChannel}, so transports can move direct buffers through
 * {@code socket.getChannel()}. {@link org.hvd4j.allreduce.net.Frames} reads and writes
 * length-prefixed messages for the small control protocols built on top.
 */
package org.hvd4j.allreduce.net;
