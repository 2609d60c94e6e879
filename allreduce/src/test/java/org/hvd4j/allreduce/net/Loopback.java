package org.hvd4j.allreduce.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.function.IntSupplier;

/** Test helpers: 127.0.0.1 only, free ports, polling for asynchronous counters. */
final class Loopback {
    static final InetAddress IP;

    static {
        try {
            IP = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Loopback() {}

    /** A port that was free a moment ago (nothing listens on it now). */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, IP)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static InetSocketAddress at(int port) {
        return new InetSocketAddress(IP, port);
    }

    /** Waits up to 5 s for {@code value} to reach {@code expected}; returns the last value seen. */
    static int awaitValue(IntSupplier value, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        int v;
        while ((v = value.getAsInt()) != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return v;
    }
}
