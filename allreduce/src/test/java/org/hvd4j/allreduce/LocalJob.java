package org.hvd4j.allreduce;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hvd4j.allreduce.net.Secret;
import org.hvd4j.allreduce.rendezvous.RendezvousServer;
import org.hvd4j.allreduce.runtime.RuntimeConfig;

/**
 * A job whose ranks are threads of this JVM, each with its own {@link HvdRuntime}, meeting at a
 * rendezvous server on loopback: the fast way to test the runtime (the real-process tests launch
 * JVMs). Hosts are simulated by giving ranks different host names: {@code hosts = 2} puts ranks
 * {@code [0, n/2)} on "hostA" and the rest on "hostB".
 */
public final class LocalJob {
    /** The body each rank runs. */
    public interface Body<T> {
        T run(HvdRuntime rt) throws Exception;
    }

    private LocalJob() {
    }

    /** Asserts that every rank's result is empty (a body's way of saying nothing went wrong). */
    public static void allOk(List<String> results) {
        for (int r = 0; r < results.size(); r++) {
            org.junit.jupiter.api.Assertions.assertEquals("", results.get(r), "rank " + r);
        }
    }

    /** Runs {@code body} on {@code n} ranks and returns each rank's result, by rank. */
    public static <T> List<T> run(int n, RuntimeConfig rc, Body<T> body) throws Exception {
        return run(n, 1, rc, body);
    }

    public static <T> List<T> run(int n, int hosts, RuntimeConfig rc, Body<T> body) throws Exception {
        Secret secret = Secret.random();
        try (RendezvousServer server = RendezvousServer.start(InetAddress.getLoopbackAddress(), 0, secret)) {
            ExecutorService pool = Executors.newFixedThreadPool(n);
            try {
                List<Future<T>> futures = new ArrayList<>();
                for (int r = 0; r < n; r++) {
                    int rank = r;
                    int perHost = (n + hosts - 1) / hosts;
                    String host = "host" + (char) ('A' + rank / perHost);
                    JobConfig job = new JobConfig(new RankInfo(rank, n, -1, -1, -1, -1),
                            java.net.InetSocketAddress.createUnresolved("127.0.0.1", server.port()), false, secret, host,
                            "127.0.0.1", rc, "test");
                    futures.add(pool.submit(() -> {
                        HvdRuntime rt = HvdRuntime.start(job);
                        try {
                            return body.run(rt);
                        } finally {
                            rt.shutdown();
                        }
                    }));
                }
                List<T> out = new ArrayList<>();
                for (Future<T> f : futures) {
                    try {
                        out.add(f.get(120, TimeUnit.SECONDS));
                    } catch (TimeoutException e) {
                        throw new AssertionError("a rank did not finish within 120 s", e);
                    }
                }
                return out;
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
