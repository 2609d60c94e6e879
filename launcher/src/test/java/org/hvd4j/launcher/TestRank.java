package org.hvd4j.launcher;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.hvd4j.allreduce.Hvd;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.allreduce.net.Dialer;
import org.hvd4j.allreduce.net.Secret;
import org.hvd4j.allreduce.rendezvous.RendezvousClient;

/**
 * The program the launcher tests start as ranks (built-in name {@code test-rank}). Modes:
 * <ul>
 *   <li>{@code exit R CODE}: rank R writes to stderr and exits with CODE after 300 ms; the others sleep;</li>
 *   <li>{@code sleep MARKER}: prints "ready" and sleeps (MARKER finds it in the process table);</li>
 *   <li>{@code spam N}: N numbered lines on stdout and on stderr, from two threads at once;</li>
 *   <li>{@code hvd}: Hvd.init(), allreduce of rank+1, prints the sum;</li>
 *   <li>{@code late R}: like hvd, but rank R sleeps for a minute before Hvd.init();</li>
 *   <li>{@code cpus}: after Hvd.init(), prints the CPUs this process may run on and the default
 *       CPU thread count;</li>
 *   <li>{@code simd}: prints whether the CPU kernels use the Vector API;</li>
 *   <li>{@code auth-probe}: after Hvd.init(), rank 0 tries the rendezvous server and rank 1's
 *       listener with a wrong secret and prints whether each rejected it.</li>
 * </ul>
 */
public final class TestRank {
    private TestRank() {
    }

    public static void main(String[] args) throws Exception {
        int rank = Integer.parseInt(System.getenv().getOrDefault("HVD4J_RANK", "0"));
        switch (args[0]) {
            case "exit" -> {
                if (rank == Integer.parseInt(args[1])) {
                    Thread.sleep(300);
                    System.err.println("rank " + rank + " fails on purpose");
                    System.exit(Integer.parseInt(args[2]));
                }
                Thread.sleep(60_000);
            }
            case "sleep" -> {
                System.out.println("ready " + args[1]);
                System.out.flush();
                Thread.sleep(120_000);
            }
            case "spam" -> spam(rank, Integer.parseInt(args[1]));
            case "hvd" -> hvd(rank, -1);
            case "late" -> hvd(rank, Integer.parseInt(args[1]));
            case "auth-probe" -> authProbe(rank);
            case "cpus" -> cpus(rank);
            case "simd" -> System.out.println("rank " + rank + " simd " + org.hvd4j.tensor.cpu.Simd.enabled());
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static void spam(int rank, int n) throws InterruptedException {
        Thread err = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                System.err.println("rank " + rank + " err " + i + " " + "e".repeat(i % 97));
            }
        });
        err.start();
        for (int i = 0; i < n; i++) {
            System.out.println("rank " + rank + " out " + i + " " + "o".repeat(i % 89));
        }
        err.join();
    }

    private static void hvd(int rank, int late) throws InterruptedException {
        if (rank == late) {
            Thread.sleep(60_000);
        }
        Hvd.init();
        double[] v = {rank + 1};
        Hvd.allreduce(v, Reduction.SUM);
        System.out.println("rank " + Hvd.rank() + " of " + Hvd.size() + " local " + Hvd.localRank() + "/"
                + Hvd.localSize() + " sum " + (long) v[0]);
        Hvd.shutdown();
    }

    private static void cpus(int rank) throws IOException {
        Hvd.init();
        String status = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/status"));
        String list = status.lines().filter(l -> l.startsWith("Cpus_allowed_list:")).findFirst().orElse("?")
                .substring("Cpus_allowed_list:".length()).trim();
        System.out.println("rank " + rank + " cpus [" + list + "] threads " + org.hvd4j.tensor.cpu.CpuThreads.defaultThreads());
        Hvd.shutdown();
    }

    private static void authProbe(int rank) throws IOException {
        Hvd.init();
        if (rank == 0) {
            String[] rv = System.getenv("HVD4J_RENDEZVOUS").split(":");
            InetSocketAddress server = new InetSocketAddress(rv[0], Integer.parseInt(rv[1]));
            Secret right = Secret.parse(System.getenv("HVD4J_SECRET"));
            Secret wrong = Secret.random();
            System.out.println("rendezvous with a wrong secret: " + rejected(() ->
                    RendezvousClient.connect(server, wrong, 0, Duration.ofSeconds(5)).close()));
            String peer;
            try (RendezvousClient kv = RendezvousClient.connect(server, right, 0, Duration.ofSeconds(5))) {
                peer = kv.getString("addr/1", Duration.ofSeconds(5));
            }
            int colon = peer.lastIndexOf(':');
            InetSocketAddress one = new InetSocketAddress(peer.substring(0, colon), Integer.parseInt(peer.substring(colon + 1)));
            System.out.println("rank 1 with a wrong secret: " + rejected(() ->
                    Dialer.connect(one, wrong, "probe", 0, 1, Duration.ofSeconds(5)).close()));
        }
        Hvd.barrier();
        Hvd.shutdown();
    }

    interface Attempt {
        void run() throws IOException;
    }

    private static String rejected(Attempt a) {
        try {
            a.run();
            return "ACCEPTED";
        } catch (IOException e) {
            return "rejected (" + e.getClass().getSimpleName() + ")";
        }
    }
}
