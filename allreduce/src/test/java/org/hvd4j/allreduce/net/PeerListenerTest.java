package org.hvd4j.allreduce.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link PeerListener} and {@link Dialer} together, on loopback. */
@Timeout(20)
class PeerListenerTest {
    private static final Duration T = Duration.ofSeconds(5);

    private static PeerListener listen(Secret secret, Duration handshakeTimeout)
            throws IOException {
        return PeerListener.open(Loopback.IP, 0, secret, handshakeTimeout);
    }

    @Test
    void dialledSocketArrivesUnderPurposeAndRank() throws Exception {
        Secret secret = Secret.random();
        try (PeerListener l = listen(secret, T);
                Socket c = Dialer.connect(l.address(), secret, "ring", 3, 0, T);
                Socket s = l.await("ring", 3, T)) {
            assertTrue(c.getTcpNoDelay());
            assertTrue(s.getTcpNoDelay());
            assertEquals(0, c.getSoTimeout());
            assertEquals(0, s.getSoTimeout());
            assertEquals(c.getLocalPort(), s.getPort());
            assertEquals(0, l.rejectedCount());
            assertEquals(Loopback.IP, l.address().getAddress());
            assertEquals(l.port(), l.address().getPort());
        }
    }

    @Test
    void socketIsUsableThroughItsChannelAfterTheHandshake() throws Exception {
        Secret secret = Secret.random();
        try (PeerListener l = listen(secret, T);
                Socket c = Dialer.connect(l.address(), secret, "ring", 1, 0, T);
                Socket s = l.await("ring", 1, T)) {
            SocketChannel send = c.getChannel();
            SocketChannel recv = s.getChannel();
            assertNotNull(send);
            assertNotNull(recv);
            ByteBuffer out = ByteBuffer.allocateDirect(1 << 20);
            for (int i = 0; out.hasRemaining(); i++) {
                out.put((byte) (i * 31));
            }
            out.flip();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    while (out.hasRemaining()) {
                        send.write(out);
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            ByteBuffer in = ByteBuffer.allocateDirect(1 << 20);
            while (in.hasRemaining()) {
                assertTrue(recv.read(in) >= 0, "early end of stream");
            }
            writer.get(5, TimeUnit.SECONDS);
            in.flip();
            out.rewind();
            assertEquals(out, in);
        }
    }

    @Test
    void wrongSecretIsRejectedAndAwaitKeepsWaitingForTheRightPeer() throws Exception {
        Secret secret = Secret.random();
        try (PeerListener l = listen(secret, T)) {
            CompletableFuture<Socket> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return l.await("ring", 1, T);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            AuthenticationException e = assertThrows(AuthenticationException.class,
                    () -> Dialer.connect(l.address(), Secret.random(), "ring", 1, 0, T));
            assertTrue(e.getMessage().contains("127.0.0.1:" + l.port()), e.getMessage());
            assertTrue(e.getMessage().contains("HVD4J_SECRET"), e.getMessage());
            assertEquals(1, Loopback.awaitValue(l::rejectedCount, 1));
            assertFalse(waiting.isDone());
            // Secret.none() is a different key too.
            assertThrows(AuthenticationException.class,
                    () -> Dialer.connect(l.address(), Secret.none(), "ring", 1, 0, T));
            assertEquals(2, Loopback.awaitValue(l::rejectedCount, 2));

            try (Socket good = Dialer.connect(l.address(), secret, "ring", 1, 0, T);
                    Socket s = waiting.get(5, TimeUnit.SECONDS)) {
                good.getOutputStream().write(5);
                assertEquals(5, s.getInputStream().read(), "await returned the good socket");
            }
        }
    }

    @Test
    void noneOnBothSidesConnects() throws Exception {
        try (PeerListener l = listen(Secret.none(), T);
                Socket c = Dialer.connect(l.address(), Secret.none(), "solo", 0, 1, T);
                Socket s = l.await("solo", 0, T)) {
            assertEquals(c.getLocalPort(), s.getPort());
        }
    }

    @Test
    void silentClientDelaysNobodyAndIsDroppedAfterTheTimeout() throws Exception {
        Secret secret = Secret.random();
        Duration handshakeTimeout = Duration.ofMillis(800);
        try (PeerListener l = listen(secret, handshakeTimeout);
                Socket silent = new Socket(Loopback.IP, l.port())) {
            silent.setSoTimeout(5000);
            long start = System.nanoTime();
            try (Socket c = Dialer.connect(l.address(), secret, "ring", 2, 0, T);
                    Socket s = l.await("ring", 2, T)) {
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(ms < handshakeTimeout.toMillis(), "waited " + ms + " ms");
                assertEquals(c.getLocalPort(), s.getPort());
            }
            InputStream in = silent.getInputStream();
            in.readNBytes(6 + Handshake.NONCE_BYTES); // the server hello
            assertEquals(-1, in.read(), "the silent client is hung up on");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms >= handshakeTimeout.toMillis() - 50, "dropped after " + ms + " ms");
            assertEquals(1, Loopback.awaitValue(l::rejectedCount, 1));
        }
    }

    @Test
    void garbageIsCountedAsRejected() throws Exception {
        try (PeerListener l = listen(Secret.random(), T);
                Socket junk = new Socket(Loopback.IP, l.port())) {
            junk.getOutputStream().write("hello!".getBytes());
            assertEquals(1, Loopback.awaitValue(l::rejectedCount, 1));
        }
    }

    @Test
    void awaitTimeoutNamesRankAndPurpose() throws Exception {
        try (PeerListener l = listen(Secret.random(), T)) {
            IOException e = assertThrows(IOException.class,
                    () -> l.await("ring", 9, Duration.ofMillis(200)));
            assertTrue(e.getMessage().startsWith("rank 9 did not connect for ring within 0.2 s"),
                    e.getMessage());
        }
    }

    @Test
    void closeClosesUnclaimedSocketsAndWakesWaiters() throws Exception {
        Secret secret = Secret.random();
        PeerListener l = listen(secret, T);
        try (Socket c = Dialer.connect(l.address(), secret, "ring", 4, 0, T)) {
            CompletableFuture<Socket> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return l.await("ring", 5, T);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(100); // let rank 4's socket be filed, and the waiter wait
            l.close();
            c.setSoTimeout(5000);
            assertEquals(-1, c.getInputStream().read(), "unclaimed socket closed");
            Throwable e = assertThrows(Exception.class, () -> waiting.get(5, TimeUnit.SECONDS));
            assertTrue(String.valueOf(e.getCause()).contains("was closed"), e.toString());
        }
    }

    @Test
    void dialerRetriesUntilTheListenerAppears() throws Exception {
        Secret secret = Secret.random();
        int port = Loopback.freePort();
        CompletableFuture<PeerListener> later = CompletableFuture.supplyAsync(() -> {
            try {
                Thread.sleep(300);
                return PeerListener.open(Loopback.IP, port, secret, T);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        long start = System.nanoTime();
        try (Socket c = Dialer.connect(Loopback.at(port), secret, "ring", 1, 0, T);
                PeerListener l = later.get(5, TimeUnit.SECONDS);
                Socket s = l.await("ring", 1, T)) {
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms >= 250, "connected after " + ms + " ms, before the listener existed?");
            assertEquals(c.getLocalPort(), s.getPort());
        }
    }

    @Test
    void dialerTimeoutNamesRankAddressAndPurpose() {
        int port = Loopback.freePort();
        long start = System.nanoTime();
        IOException e = assertThrows(PeerUnreachableException.class,
                () -> Dialer.connect(Loopback.at(port), Secret.random(), "ring", 0, 5,
                        Duration.ofMillis(400)));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(e.getMessage().startsWith("could not connect to rank 5 at 127.0.0.1:" + port
                + " for ring within 0.4 s: "), e.getMessage());
        assertTrue(ms >= 350 && ms < 2000, "gave up after " + ms + " ms");
    }
}
