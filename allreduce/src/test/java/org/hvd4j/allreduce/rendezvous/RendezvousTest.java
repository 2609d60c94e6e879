package org.hvd4j.allreduce.rendezvous;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.hvd4j.allreduce.net.AuthenticationException;
import org.hvd4j.allreduce.net.Secret;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RendezvousTest {
    private static final Duration T = Duration.ofSeconds(5);
    private static final InetAddress LOOPBACK = loopback();

    private final Secret secret = Secret.random();
    private final List<RendezvousClient> clients = new ArrayList<>();
    private RendezvousServer server;

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @BeforeEach
    void start() throws IOException {
        server = RendezvousServer.start(LOOPBACK, 0, secret);
    }

    @AfterEach
    void stop() throws IOException {
        for (RendezvousClient c : clients) {
            c.close();
        }
        server.close();
    }

    private RendezvousClient client(int rank) throws IOException {
        RendezvousClient c = RendezvousClient.connect(server.address(), secret, rank, T);
        clients.add(c);
        return c;
    }

    private static int awaitValue(IntSupplier value, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        int v;
        while ((v = value.getAsInt()) != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return v;
    }

    private static <T> CompletableFuture<T> async(Call<T> call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return call.run();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    private interface Call<T> {
        T run() throws Exception;
    }

    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> f.get(5, TimeUnit.SECONDS));
        return e.getCause().getCause();
    }

    @Test
    void putInOneClientGetInAnother() throws Exception {
        RendezvousClient a = client(0);
        RendezvousClient b = client(1);
        a.put("addr/0", new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, b.get("addr/0", T));
        b.putString("host/1", "node-1 ünïcode");
        assertEquals("node-1 ünïcode", a.getString("host/1", T));
        a.put("addr/0", new byte[0]); // overwrite, and empty values are values
        assertArrayEquals(new byte[0], b.get("addr/0", T));
        assertEquals(2, awaitValue(server::connectedClients, 2));
    }

    @Test
    void launcherSideApiSharesTheStore() throws Exception {
        RendezvousClient a = client(0);
        server.put("config", "x".getBytes(StandardCharsets.UTF_8));
        assertEquals("x", a.getString("config", T));
        a.putString("result", "y");
        assertEquals("y", new String(server.get("result").orElseThrow(), StandardCharsets.UTF_8));
        assertEquals(Optional.empty(), server.get("absent"));
        assertEquals(Set.of("config", "result"), server.keys(""));
    }

    @Test
    void getBlocksUntilAnotherClientPuts() throws Exception {
        RendezvousClient waiter = client(3);
        RendezvousClient writer = client(5);
        CompletableFuture<String> got = async(() -> waiter.getString("addr/5", T));
        Thread.sleep(200);
        assertFalse(got.isDone());
        writer.putString("addr/5", "127.0.0.1:4000");
        assertEquals("127.0.0.1:4000", got.get(5, TimeUnit.SECONDS));
    }

    @Test
    void getTimesOutNamingRankAndKey() throws Exception {
        RendezvousClient c = client(3);
        long start = System.nanoTime();
        RendezvousTimeoutException e = assertThrows(RendezvousTimeoutException.class,
                () -> c.get("addr/5", Duration.ofMillis(300)));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals("rank 3: key 'addr/5' did not appear within 0.3 s", e.getMessage());
        assertEquals("addr/5", e.key());
        assertTrue(ms >= 250, "returned after " + ms + " ms");
        c.put("after", new byte[1]); // the connection is still fine
    }

    @Test
    void addIsAtomicUnderConcurrentClients() throws Exception {
        int threads = 8;
        int adds = 1000;
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            RendezvousClient c = client(t);
            all.add(CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < adds; i++) {
                        assertTrue(seen.add(c.add("counter", 1)), "value handed out twice");
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, r -> new Thread(r).start()));
        }
        for (CompletableFuture<Void> f : all) {
            f.get(8, TimeUnit.SECONDS);
        }
        assertEquals(threads * adds, seen.size());
        assertEquals(threads * adds + 10L, clients.get(0).add("counter", 10));
        assertEquals(-5, clients.get(0).add("fresh", -5), "a missing counter starts at 0");
    }

    @Test
    void waitCountIsABarrier() throws Exception {
        int ranks = 4;
        List<CompletableFuture<Long>> arrivals = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            RendezvousClient c = client(r);
            int rank = r;
            arrivals.add(async(() -> {
                Thread.sleep(50L * rank); // arrive at different times
                c.add("barrier/0", 1);
                c.waitCount("barrier/0", ranks, T);
                return System.nanoTime();
            }));
            if (r == 0) {
                Thread.sleep(100);
                assertFalse(arrivals.get(0).isDone(), "rank 0 passed the barrier alone");
            }
        }
        for (CompletableFuture<Long> f : arrivals) {
            f.get(5, TimeUnit.SECONDS);
        }
        RendezvousTimeoutException e = assertThrows(RendezvousTimeoutException.class,
                () -> clients.get(0).waitCount("barrier/0", 6, Duration.ofMillis(100)));
        assertEquals("rank 0: counter 'barrier/0' reached 4 of 6 within 0.1 s", e.getMessage());
    }


    @Test
    void keysByPrefixAndDelete() throws Exception {
        RendezvousClient c = client(0);
        c.putString("addr/1", "b");
        c.putString("addr/0", "a");
        c.putString("host/0", "h");
        assertEquals(List.of("addr/0", "addr/1"), c.keys("addr/"));
        assertEquals(List.of("addr/0", "addr/1", "host/0"), c.keys(""));
        assertEquals(List.of(), c.keys("nothing/"));
        c.delete("addr/0");
        c.delete("never-existed");
        assertEquals(List.of("addr/1"), c.keys("addr/"));
        assertEquals(new TreeSet<>(List.of("addr/1")), server.keys("addr/"));
        assertThrows(RendezvousTimeoutException.class,
                () -> c.get("addr/0", Duration.ofMillis(50)));
    }

    @Test
    void limitsGiveCleanErrorsAndTheServerKeepsServing() throws Exception {
        RendezvousClient c = client(2);
        RendezvousException e = assertThrows(RendezvousException.class,
                () -> c.put("k".repeat(1025), new byte[1]));
        assertTrue(e.getMessage().contains("key of 1025 bytes exceeds the limit of 1024 bytes"),
                e.getMessage());
        assertTrue(e.getMessage().startsWith("rank 2: the rendezvous server at 127.0.0.1:"),
                e.getMessage());

        e = assertThrows(RendezvousException.class,
                () -> c.put("big", new byte[RendezvousServer.MAX_VALUE_BYTES + 1]));
        assertTrue(e.getMessage().contains("exceeds the limit of 16 MiB"), e.getMessage());

        // Far over the frame limit: the server reads past it instead of hanging up.
        e = assertThrows(RendezvousException.class,
                () -> c.put("huge", new byte[RendezvousServer.MAX_VALUE_BYTES + (1 << 20)]));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());

        c.putString("text", "not a counter");
        e = assertThrows(RendezvousException.class, () -> c.add("text", 1));
        assertTrue(e.getMessage().contains("not an 8-byte counter"), e.getMessage());

        byte[] max = new byte[RendezvousServer.MAX_VALUE_BYTES];
        max[max.length - 1] = 9;
        c.put("max", max);
        assertArrayEquals(max, client(3).get("max", T));
        assertEquals(1, c.add("ok", 1), "same connection still works");
        assertEquals(Set.of("max", "ok", "text"), server.keys(""));
    }

    @Test
    void wrongSecretIsRejectedAndCounted() throws Exception {
        AuthenticationException e = assertThrows(AuthenticationException.class,
                () -> RendezvousClient.connect(server.address(), Secret.random(), 7, T));
        assertTrue(e.getMessage().contains("HVD4J_SECRET"), e.getMessage());
        assertEquals(1, awaitValue(server::rejectedClients, 1));
        assertEquals(0, server.connectedClients());
        client(0).putString("still", "serving");
    }

    @Test
    void noServerIsAClearError() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            port = s.getLocalPort();
        }
        InetSocketAddress nowhere = new InetSocketAddress(LOOPBACK, port);
        IOException e = assertThrows(IOException.class,
                () -> RendezvousClient.connect(nowhere, secret, 1, Duration.ofMillis(300)));
        assertTrue(e.getMessage().startsWith("rank 1: could not reach the rendezvous server at"
                + " 127.0.0.1:" + port + " within 0.3 s (is hvdrun running? is HVD4J_RENDEZVOUS"
                + " right?)"), e.getMessage());
    }

    @Test
    void serverCloseFailsABlockedClient() throws Exception {
        RendezvousClient c = client(4);
        CompletableFuture<byte[]> blocked = async(() -> c.get("never", Duration.ofSeconds(30)));
        Thread.sleep(200);
        server.close();
        Throwable e = failure(blocked);
        assertTrue(e.getMessage().startsWith("rank 4: lost the rendezvous server at 127.0.0.1:"),
                e.getMessage());
        IOException next = assertThrows(IOException.class, () -> c.put("x", new byte[1]));
        assertTrue(next.getMessage().contains("lost the rendezvous server"), next.getMessage());
    }
}
