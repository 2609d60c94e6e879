package org.hvd4j.allreduce.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The handshake on plain loopback socket pairs, including hand-made misbehaving peers. */
@Timeout(10)
class HandshakeTest {
    private static final Duration T = Duration.ofSeconds(5);

    /** Accepts one connection on a fresh loopback port and hands it to {@code server}. */
    private static <R> CompletableFuture<R> acceptOne(ServerSocket ss, ServerSide<R> server) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket s = ss.accept()) {
                return server.run(s);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    private interface ServerSide<R> {
        R run(Socket s) throws Exception;
    }

    private static Throwable cause(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> f.get(5, TimeUnit.SECONDS));
        return e.getCause().getCause();
    }

    private static byte[] serverHello(int version) {
        byte[] hello = new byte[6 + Handshake.NONCE_BYTES];
        new Random().nextBytes(hello);
        System.arraycopy(Handshake.MAGIC, 0, hello, 0, 5);
        hello[5] = (byte) version;
        return hello;
    }

    @Test
    void bothSidesAgreeAndServerLearnsPurposeAndRank() throws Exception {
        Secret secret = Secret.random();
        try (ServerSocket ss = new ServerSocket(0, 1, Loopback.IP)) {
            CompletableFuture<Handshake.Peer> server = acceptOne(ss, s -> {
                Handshake.Peer p = Handshake.server(s, secret, T);
                assertEquals(0, s.getSoTimeout(), "timeout restored");
                s.getOutputStream().write(7); // the socket goes on carrying data
                return p;
            });
            try (Socket c = new Socket(Loopback.IP, ss.getLocalPort())) {
                Handshake.client(c, secret, "ring", 3, T);
                assertEquals(0, c.getSoTimeout());
                assertEquals(7, c.getInputStream().read());
            }
            assertEquals(new Handshake.Peer("ring", 3), server.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void wrongSecretIsRejectedOnBothSides() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, Loopback.IP)) {
            CompletableFuture<Handshake.Peer> server =
                    acceptOne(ss, s -> Handshake.server(s, Secret.random(), T));
            try (Socket c = new Socket(Loopback.IP, ss.getLocalPort())) {
                AuthenticationException e = assertThrows(AuthenticationException.class,
                        () -> Handshake.client(c, Secret.random(), "ring", 1, T));
                assertTrue(e.getMessage().contains("127.0.0.1:" + ss.getLocalPort()),
                        e.getMessage());
                assertTrue(e.getMessage().contains("HVD4J_SECRET"), e.getMessage());
                assertTrue(e.getMessage().contains("the job secret does not match"),
                        e.getMessage());
                assertTrue(c.isClosed(), "a failed handshake closes the socket");
            }
            Throwable onServer = cause(server);
            assertTrue(onServer instanceof AuthenticationException, onServer.toString());
            assertTrue(onServer.getMessage().contains("rank 1"), onServer.getMessage());
        }
    }

    @Test
    void fakeServerWithoutTheSecretIsDetected() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, Loopback.IP)) {
            CompletableFuture<Object> fake = acceptOne(ss, s -> {
                OutputStream out = s.getOutputStream();
                out.write(serverHello(Handshake.VERSION));
                byte[] okAndGuess = new byte[1 + 32];
                new Random().nextBytes(okAndGuess);
                okAndGuess[0] = Handshake.OK;
                out.write(okAndGuess);
                s.getInputStream().readAllBytes(); // until the client hangs up
                return null;
            });
            try (Socket c = new Socket(Loopback.IP, ss.getLocalPort())) {
                AuthenticationException e = assertThrows(AuthenticationException.class,
                        () -> Handshake.client(c, Secret.random(), "ring", 2, T));
                assertTrue(e.getMessage().contains("could not prove"), e.getMessage());
            }
            fake.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void noneOnBothSidesWorks() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, Loopback.IP)) {
            CompletableFuture<Handshake.Peer> server =
                    acceptOne(ss, s -> Handshake.server(s, Secret.none(), T));
            try (Socket c = new Socket(Loopback.IP, ss.getLocalPort())) {
                Handshake.client(c, Secret.none(), "solo", 0, T);
            }
            assertEquals(new Handshake.Peer("solo", 0), server.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void garbageInsteadOfTheMagicIsRejectedWithTheBytesSeen() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, Loopback.IP)) {
            CompletableFuture<Handshake.Peer> server =
                    acceptOne(ss, s -> Handshake.server(s, Secret.random(), T));
            try (Socket c = new Socket(Loopback.IP, ss.getLocalPort())) {
                c.getOutputStream().write("GET / ".getBytes(StandardCharsets.US_ASCII));
                DataInputStream in = new DataInputStream(c.getInputStream());
                in.readFully(new byte[6 + Handshake.NONCE_BYTES]);
                assertEquals(Handshake.REJECTED, in.readUnsignedByte());
                Throwable e = cause(server);
                assertTrue(e.getMessage().contains("is not an hvd4j peer"), e.getMessage());
                assertTrue(e.getMessage().contains("\"GET / \""), e.getMessage());
            }
        }
    }

    @Test
    void clientSeesGarbageFromAServerThatIsNotHvd4j() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, Loopback.IP)) {
            CompletableFuture<Object> other = acceptOne(ss, s -> {
                s.getOutputStream().write("SSH-2.0-OpenSSH\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getInputStream().readAllBytes();
                return null;
            });
            try (Socket c = new Socket(Loopback.IP, ss.getLocalPort())) {
                IOException e = assertThrows(IOException.class,
                        () -> Handshake.client(c, Secret.random(), "ring", 0, T));
                assertTrue(e.getMessage().contains("not an hvd4j endpoint"), e.getMessage());
            }
            other.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void versionMismatchNamesBothVersions() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, Loopback.IP)) {
            // A server of a future version: the client refuses and tells it its own version.
            CompletableFuture<byte[]> future = acceptOne(ss, s -> {
                s.getOutputStream().write(serverHello(99));
                return s.getInputStream().readAllBytes();
            });
            try (Socket c = new Socket(Loopback.IP, ss.getLocalPort())) {
                IOException e = assertThrows(IOException.class,
                        () -> Handshake.client(c, Secret.random(), "ring", 0, T));
                assertTrue(e.getMessage().contains("version 99"), e.getMessage());
                assertTrue(e.getMessage().contains("version " + Handshake.VERSION),
                        e.getMessage());
            }
            byte[] told = future.get(5, TimeUnit.SECONDS);
            assertEquals(6, told.length);
            assertEquals(Handshake.VERSION, told[5]);

            // A client of a future version: the server rejects it, naming both.
            CompletableFuture<Handshake.Peer> server =
                    acceptOne(ss, s -> Handshake.server(s, Secret.random(), T));
            try (Socket c = new Socket(Loopback.IP, ss.getLocalPort())) {
                OutputStream out = c.getOutputStream();
                out.write(Handshake.MAGIC);
                out.write(99);
                InputStream in = c.getInputStream();
                new DataInputStream(in).readFully(new byte[6 + Handshake.NONCE_BYTES]);
                assertEquals(Handshake.REJECTED, in.read());
                Throwable e = cause(server);
                assertTrue(e.getMessage().contains("version 99"), e.getMessage());
                assertTrue(e.getMessage().contains("version " + Handshake.VERSION),
                        e.getMessage());
            }
        }
    }

    @Test
    void silentServerTimesOutNamingThePhase() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, Loopback.IP);
                Socket c = new Socket(Loopback.IP, ss.getLocalPort())) {
            IOException e = assertThrows(IOException.class,
                    () -> Handshake.client(c, Secret.random(), "ring", 0, Duration.ofMillis(200)));
            assertTrue(e.getMessage().contains("127.0.0.1:" + ss.getLocalPort()), e.getMessage());
            assertTrue(e.getMessage().contains("0.2 s while waiting for the server hello"),
                    e.getMessage());
        }
    }

    @Test
    void tooLongPurposeIsRefusedBeforeSending() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, Loopback.IP);
                Socket c = new Socket(Loopback.IP, ss.getLocalPort())) {
            assertThrows(IllegalArgumentException.class,
                    () -> Handshake.client(c, Secret.none(), "x".repeat(257), 0, T));
        }
    }
}
