package org.hvd4j.allreduce.net;

import java.io.Closeable;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;

/** What every listener and connection of this module does alike: threads, closing, naming, timeouts. */
public final class Sockets {
    private Sockets() {
    }

    /** A daemon thread (not started): a job's sockets must never keep a finished JVM alive. */
    public static Thread daemon(Runnable body, String name) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }

    /** Closes on shutdown or after a failure, where an error while closing has nothing to add. */
    public static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing to report: the connection is being given up anyway
        }
    }

    /** {@code host:port} without the {@code hostname/} prefix of {@link SocketAddress#toString()}. */
    public static String describe(SocketAddress address) {
        if (address instanceof InetSocketAddress a) {
            return a.getHostString() + ":" + a.getPort();
        }
        return String.valueOf(address);
    }

    /** {@code 30 s}, {@code 0.25 s}: how error messages print a timeout. */
    public static String seconds(Duration d) {
        return BigDecimal.valueOf(Math.max(0, d.toMillis()), 3).stripTrailingZeros().toPlainString() + " s";
    }

    /** A value for {@code setSoTimeout}: at least 1 ms, because 0 would mean "wait forever". */
    static int soTimeoutMillis(Duration d) {
        long ms = d.isNegative() ? 0 : d.toMillis();
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, ms));
    }

    /** Sleeps 100 ms, keeping the interrupt (the back-off of an accept loop after an error). */
    public static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
