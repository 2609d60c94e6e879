package org.hvd4j.allreduce.net;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The connecting side of an authenticated connection: connects (retrying while the peer's
 * {@link PeerListener} is not listening yet), then runs the client {@link Handshake}.
 */
public final class Dialer {
    private static final long FIRST_RETRY_MILLIS = 50;
    private static final long MAX_RETRY_MILLIS = 200;
    /** The handshake gets what is left of the timeout, but at least this much. */
    private static final Duration MIN_HANDSHAKE = Duration.ofSeconds(1);

    private Dialer() {}

    /**
     * Connects to {@code targetRank}'s listener at {@code address} as ({@code purpose},
     * {@code localRank}).
     *
     * <p>Ranks start in any order, so a refused connection is retried (every 50 ms, backing off to
     * 200 ms) until {@code timeout} has passed. The returned socket belongs to a blocking
     * {@link SocketChannel} ({@code socket.getChannel()} is not null), has TCP_NODELAY set and
     * its read timeout back at 0; buffer sizes are left to the caller.
     *
     * @throws AuthenticationException at once (no retry) if the peer rejects the secret or cannot
     *     prove it knows it
     * @throws PeerUnreachableException if no connection succeeded within {@code timeout}: "could
     *     not connect to rank T at host:port for PURPOSE within T s: last cause"
     * @throws IOException if the peer answered but the handshake failed (its message names the
     *     address and the phase)
     */
    public static Socket connect(InetSocketAddress address, Secret secret, String purpose,
            int localRank, int targetRank, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = FIRST_RETRY_MILLIS;
        IOException last;
        while (true) {
            long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (leftMillis <= 0) {
                last = new SocketTimeoutException("timed out");
                break;
            }
            SocketChannel channel = SocketChannel.open();
            try {
                Socket socket = channel.socket();
                // The address is resolved again on each try: a host name may only start to
                // resolve once the peer's container is up.
                InetSocketAddress target = address.isUnresolved()
                        ? new InetSocketAddress(address.getHostString(), address.getPort())
                        : address;
                socket.connect(target, (int) Math.min(Integer.MAX_VALUE, leftMillis));
                socket.setTcpNoDelay(true);
            } catch (ConnectException | NoRouteToHostException | SocketTimeoutException
                    | UnknownHostException e) {
                channel.close();
                last = e;
                if (!sleep(Math.min(pause, remainingMillis(deadline)))) {
                    break;
                }
                pause = Math.min(MAX_RETRY_MILLIS, pause * 2);
                continue;
            } catch (IOException | RuntimeException e) {
                channel.close();
                last = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
                break;
            }
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            // Handshake failures are final: the listener answered, so retrying cannot help.
            Handshake.client(channel.socket(), secret, purpose, localRank,
                    left.compareTo(MIN_HANDSHAKE) < 0 ? MIN_HANDSHAKE : left);
            return channel.socket();
        }
        throw new PeerUnreachableException("could not connect to rank " + targetRank + " at "
                + Sockets.describe(address) + " for " + purpose + " within "
                + Sockets.seconds(timeout) + ": " + describe(last), last);
    }

    private static long remainingMillis(long deadline) {
        return TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    }

    /** Sleeps {@code millis} ms; false if there is no time left or the thread was interrupted. */
    private static boolean sleep(long millis) {
        if (millis <= 0) {
            return false;
        }
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
