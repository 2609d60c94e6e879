package org.hvd4j.allreduce;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hvd4j.allreduce.net.Secret;
import org.hvd4j.allreduce.rendezvous.RendezvousServer;

/**
 * A job of real JVM processes on loopback, started the way a launcher starts them: a rendezvous
 * server in this JVM, and per rank the {@code HVD4J_*} environment with the job secret. Ranks
 * are spread over {@code hosts} simulated hosts (by host name), host by host. For tests only —
 * {@code hvdrun} is the launcher users run.
 */
public final class ProcessJob {
    /** How the job ended: each rank's exit code (-1 if it had to be killed) and output. */
    public record Result(int[] exitCodes, String[] output, long[] pids) {
        public boolean allSucceeded() {
            for (int c : exitCodes) {
                if (c != 0) {
                    return false;
                }
            }
            return true;
        }

        /** Every rank's exit code and the tail of its output, for assertion messages. */
        public String describe() {
            StringBuilder b = new StringBuilder();
            for (int r = 0; r < exitCodes.length; r++) {
                String out = output[r];
                b.append("\n--- rank ").append(r).append(" exit ").append(exitCodes[r]).append(" ---\n")
                        .append(out.length() > 3000 ? "..." + out.substring(out.length() - 3000) : out);
            }
            return b.toString();
        }
    }

    private ProcessJob() {
    }

    /** Runs {@code mainClass args} as {@code n} ranks and waits up to {@code timeout}. */
    public static Result run(int n, int hosts, Map<String, String> env, Duration timeout, String mainClass,
                             String... args) throws IOException, InterruptedException {
        Secret secret = Secret.random();
        Path dir = Files.createTempDirectory("hvd4j-job");
        try (RendezvousServer server = RendezvousServer.start(InetAddress.getLoopbackAddress(), 0, secret)) {
            String java = ProcessHandle.current().info().command().orElse("java");
            List<Process> procs = new ArrayList<>();
            int perHost = (n + hosts - 1) / hosts;
            for (int r = 0; r < n; r++) {
                List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                        "-cp", System.getProperty("java.class.path"), mainClass));
                cmd.addAll(List.of(args));
                ProcessBuilder pb = new ProcessBuilder(cmd);
                int host = r / perHost;
                int localSize = Math.min(perHost, n - host * perHost);
                Map<String, String> e = pb.environment();
                e.put("HVD4J_RANK", Integer.toString(r));
                e.put("HVD4J_SIZE", Integer.toString(n));
                e.put("HVD4J_LOCAL_RANK", Integer.toString(r - host * perHost));
                e.put("HVD4J_LOCAL_SIZE", Integer.toString(localSize));
                e.put("HVD4J_CROSS_RANK", Integer.toString(host));
                e.put("HVD4J_CROSS_SIZE", Integer.toString((n + perHost - 1) / perHost));
                e.put("HVD4J_RENDEZVOUS", "127.0.0.1:" + server.port());
                e.put("HVD4J_SECRET", secret.encoded());
                e.put("HVD4J_HOSTNAME", "host" + (char) ('A' + host));
                e.put("HVD4J_ADDRESS", "127.0.0.1");
                e.put("HVD4J_NUM_THREADS", "1");
                e.put("OPENBLAS_NUM_THREADS", "1");
                e.putAll(env);
                pb.redirectErrorStream(true);
                pb.redirectOutput(dir.resolve("rank" + r).toFile());
                procs.add(pb.start());
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            int[] codes = new int[n];
            long[] pids = new long[n];
            for (int r = 0; r < n; r++) {
                Process p = procs.get(r);
                pids[r] = p.pid();
                long left = Math.max(0, deadline - System.nanoTime());
                if (p.waitFor(left, TimeUnit.NANOSECONDS)) {
                    codes[r] = p.exitValue();
                } else {
                    codes[r] = -1;
                }
            }
            for (Process p : procs) {
                p.destroyForcibly();
            }
            String[] out = new String[n];
            for (int r = 0; r < n; r++) {
                out[r] = Files.readString(dir.resolve("rank" + r), StandardCharsets.UTF_8);
            }
            return new Result(codes, out, pids);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
