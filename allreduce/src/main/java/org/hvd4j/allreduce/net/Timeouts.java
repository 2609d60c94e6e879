package org.hvd4j.allreduce.net;

import java.math.BigDecimal;
import java.net.SocketAddress;
import java.time.Duration;

/** Turning durations into socket timeouts and into the "30 s" of error messages. */
final class Timeouts {
    private Timeouts() {}

    /** {@code 30 s}, {@code 0.25 s}: what error messages print for a timeout. */
    static String seconds(Duration d) {
        return BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString() + " s";
    }

    /** A value for {@code setSoTimeout}: at least 1 ms, because 0 would mean "wait forever". */
    static int soTimeoutMillis(Duration d) {
        long ms = d.isNegative() ? 0 : d.toMillis();
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, ms));
    }

    /** {@code host:port} without the {@code hostname/} prefix of {@link SocketAddress#toString()}. */
    static String describe(SocketAddress address) {
        if (address instanceof java.net.InetSocketAddress a) {
            return a.getHostString() + ":" + a.getPort();
        }
        return String.valueOf(address);
    }
}
