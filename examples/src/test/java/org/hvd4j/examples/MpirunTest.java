package org.hvd4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hvd4j.allreduce.ProcessJob;
import org.hvd4j.allreduce.net.Secret;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} as 2 ranks started by Open MPI's {@code mpirun} (no hvdrun: rank 0 hosts the
 * rendezvous server at {@code HVD4J_RENDEZVOUS}, the ranks learn their place from
 * {@code OMPI_COMM_WORLD_*}) ends with the same weights, bit for bit, as the same job started by
 * {@link ProcessJob} with hvdrun's variables. Skipped without {@code mpirun} (Debian:
 * {@code openmpi-bin}) or without the real Fashion-MNIST.
 */
class MpirunTest {
    private static final Path DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final Pattern SHA = Pattern.compile("\"parameters_sha256\": \"([0-9a-f]{64})\"");
    private static final Pattern RANKS = Pattern.compile("\"ranks\": (\\d+)");
    /**
     * What {@link ProcessJob} gives every rank besides its place in the job. The digest depends
     * on them (a different thread count reduces in a different order: 2 threads end with other
     * weights than 1), so the mpirun ranks get exactly the same values; the JVM options are
     * ProcessJob's too.
     */
    private static final Map<String, String> SAME_AS_PROCESS_JOB = Map.of(
            "HVD4J_NUM_THREADS", "1", "OPENBLAS_NUM_THREADS", "1");
    private static final List<String> JVM_OPTIONS = List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    @TempDir
    Path dir;

    private Path mpirun;

    @BeforeEach
    void needsMpirunAndTheDataSet() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DEBIAN), "dataset-fashion-mnist is not installed");
        Optional<Path> found = onPath("mpirun");
        Assumptions.assumeTrue(found.isPresent(), "mpirun is not on the PATH (Debian: apt-get install openmpi-bin)");
        mpirun = found.get();
        // The flags below are Open MPI's; MPICH's or Intel's mpirun would reject them.
        Process v = new ProcessBuilder(mpirun.toString(), "--version").redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String version = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!v.waitFor(30, TimeUnit.SECONDS)) {
            v.destroyForcibly();
        }
        Assumptions.assumeTrue(version.contains("Open MPI"), "mpirun is not Open MPI's: " + version.strip());
    }

    @Test
    void trainUnderMpirunEndsWithTheWeightsOfTheSameJobUnderProcessJob() throws Exception {
        Path viaMpirun = dir.resolve("mpirun.json");
        Path viaProcessJob = dir.resolve("processjob.json");

        String output = runUnderMpirun(trainArgs(viaMpirun));
        assertTrue(output.contains("ranks 2 (1 hosts, transport shm)"), output);
        assertFalse(output.contains("not authenticated"), "HVD4J_SECRET reached the ranks: " + output);
        String mpiJson = Files.readString(viaMpirun);
        assertEquals("2", find(RANKS, mpiJson), mpiJson);

        ProcessJob.Result r = ProcessJob.run(2, 1, Map.of(), TIMEOUT, Train.class.getName(), trainArgs(viaProcessJob));
        assertTrue(r.allSucceeded(), r.describe());
        String jobJson = Files.readString(viaProcessJob);
        assertEquals("2", find(RANKS, jobJson), jobJson);

        assertEquals(find(SHA, jobJson), find(SHA, mpiJson),
                "mpirun and ProcessJob ran the same job\nmpirun: " + mpiJson + "ProcessJob: " + jobJson);
    }

    private static String[] trainArgs(Path summary) {
        return new String[] {"--model", "mlp", "--steps", "30", "--threads", "1", "--data-dir", DEBIAN.toString(),
            "--no-download", "--summary-json", summary.toString()};
    }

    /** Runs {@code java ... Train args} as {@code mpirun -np 2}; asserts exit 0 and returns the output. */
    private String runUnderMpirun(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(mpirun.toString(),
                // Open MPI refuses to start as root (CI containers run as root) unless told; as
                // another user the flag does nothing. (OMPI_ALLOW_RUN_AS_ROOT=1 with
                // OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 in the environment would do the same.)
                "--allow-run-as-root",
                // Open MPI counts one slot per core and refuses -np 2 on a 1-core machine.
                "--oversubscribe",
                // For np <= 2 Open MPI binds each rank to one core; ProcessJob (and hvdrun) do not
                // bind, so neither do we: the JVMs see the same cores either way.
                "--bind-to", "none",
                // mpirun forwards its stdin to rank 0 by default; train reads none.
                "--stdin", "none",
                // mpirun's own limit, below ours: it kills every rank and exits non-zero.
                "--timeout", Long.toString(TIMEOUT.toSeconds() - 10),
                "-np", "2"));
        // "-x NAME" exports NAME with mpirun's own value to every rank (on this host the ranks
        // inherit mpirun's environment anyway; on other hosts only -x carries it). Values come
        // from the environment, never the command line, where ps would show the secret.
        Map<String, String> env = new HashMap<>(SAME_AS_PROCESS_JOB);
        env.put("HVD4J_RENDEZVOUS", "127.0.0.1:" + freePort());
        env.put("HVD4J_SECRET", Secret.random().encoded());
        for (String name : new TreeSet<>(env.keySet())) {
            cmd.add("-x");
            cmd.add(name);
        }
        // No --mca btl ...: the ranks are JVMs that never call MPI_Init, so Open MPI's transports
        // are not used; mpirun only starts the processes and sets OMPI_COMM_WORLD_*.
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(JVM_OPTIONS);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Train.class.getName()));
        cmd.addAll(List.of(args));

        ProcessBuilder pb = new ProcessBuilder(cmd);
        // Nothing of a surrounding job (hvdrun, another mpirun, Slurm, torchrun) may leak in:
        // JobEnvironment would prefer HVD4J_RANK to OMPI_COMM_WORLD_RANK, and a nested mpirun
        // would try to join its parent's job.
        pb.environment().keySet().removeIf(k -> k.startsWith("HVD4J_") || k.startsWith("OMPI_") || k.startsWith("PMIX_")
                || k.startsWith("SLURM_") || List.of("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE",
                        "GROUP_RANK", "MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_RUN_ID").contains(k));
        pb.environment().putAll(env);
        Path log = dir.resolve("mpirun.log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        try {
            boolean ended = p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(ended, "mpirun still running after " + TIMEOUT + ":\n" + output);
            assertEquals(0, p.exitValue(), "mpirun's exit code:\n" + output);
            return output;
        } finally {
            destroyTree(p);
        }
    }

    /** Ends {@code p} and every process it started (mpirun's ranks are its children). */
    private static void destroyTree(Process p) throws InterruptedException {
        List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
        if (!p.isAlive() && tree.isEmpty()) {
            return;
        }
        p.destroy(); // SIGTERM: mpirun passes it on to the ranks
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        tree.forEach(ProcessHandle::destroyForcibly);
        p.waitFor(5, TimeUnit.SECONDS);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String find(Pattern pattern, String json) {
        Matcher m = pattern.matcher(json);
        assertTrue(m.find(), pattern + " in " + json);
        return m.group(1);
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String d : path.split(File.pathSeparator)) {
            Path candidate = Path.of(d.isEmpty() ? "." : d, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
