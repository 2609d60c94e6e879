package org.hvd4j.allreduce;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Binds this rank to its share of the host's CPUs ({@code HVD4J_BIND=core}, which hvdrun sets
 * for {@code --bind-to core}; Open MPI's {@code --bind-to core}): of the {@code k} CPUs the
 * process may run on, local rank {@code i} of {@code L} gets the contiguous slice
 * {@code [i·k/L, (i+1)·k/L)}, applied to every thread of the JVM with {@code taskset -a -p}.
 *
 * <p>What it does, measured on 2 vCPUs with 2 ranks of the mlp ({@code step-probe}, README): the
 * ranks' threads no longer wander onto the other rank's core, which cuts the tail of the step
 * (p95 of a step with the gradient exchange 5.3–6.2 ms bound, 7.8–8.1 ms unbound), but the mean
 * step is no better (4.85–4.98 against 4.71–4.88 ms), because a bound rank can no longer use the
 * other core while its peer waits. So it is not the default.
 *
 * <p>Nothing is bound when there are fewer CPUs than local ranks, on a single rank per host, off
 * Linux, or without {@code taskset} (util-linux); each of these is one log line, never a failure.
 * Other launchers (mpirun, srun) bind ranks themselves, so only {@code HVD4J_BIND} turns it on.
 */
public final class CpuBinding {
    private static final System.Logger LOG = System.getLogger("org.hvd4j.allreduce");

    private CpuBinding() {
    }

    /**
     * Whether {@code HVD4J_BIND} ({@code core} or {@code none}, default none) asks for binding.
     * Called before the rank joins the job, so that a bad value fails this rank alone, at once.
     */
    static boolean requested(Map<String, String> env) {
        String mode = env.getOrDefault("HVD4J_BIND", "none").trim();
        if (!mode.isEmpty() && !mode.equals("none") && !mode.equals("core")) {
            throw new HvdException("HVD4J_BIND must be 'core' or 'none', got '" + mode + "'");
        }
        return mode.equals("core");
    }

    /** Binds local rank {@code localRank} of {@code localSize} to its share; returns the CPUs, or an empty list. */
    static List<Integer> bind(int localRank, int localSize) {
        if (localSize <= 1) {
            return List.of();
        }
        List<Integer> allowed;
        try {
            allowed = allowedCpus(Files.readString(Path.of("/proc/self/status")));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.INFO, "hvd4j: not binding local rank " + localRank + " to CPUs: cannot read "
                    + "/proc/self/status (" + e.getMessage() + ")");
            return List.of();
        }
        List<Integer> mine = slice(allowed, localRank, localSize);
        if (mine.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "hvd4j: not binding to CPUs: " + localSize + " local ranks share "
                    + allowed.size() + " CPUs");
            return List.of();
        }
        String list = format(mine);
        String failure = taskset(list, ProcessHandle.current().pid());
        if (failure != null) {
            LOG.log(System.Logger.Level.WARNING, "hvd4j: could not bind local rank " + localRank + " to CPUs " + list
                    + " (" + failure + "); running unbound. Install util-linux or pass hvdrun --bind-to none");
            return List.of();
        }
        System.setProperty(org.hvd4j.tensor.cpu.CpuThreads.BOUND_CPUS_PROPERTY, Integer.toString(mine.size()));
        return mine;
    }

    /** The CPUs of {@code Cpus_allowed_list} in a {@code /proc/<pid>/status} text, ascending. */
    public static List<Integer> allowedCpus(String procStatus) {
        for (String line : procStatus.split("\n")) {
            if (line.startsWith("Cpus_allowed_list:")) {
                return parseList(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new IllegalArgumentException("no Cpus_allowed_list line");
    }

    /** Parses a Linux CPU list ({@code 0-3,8,10-11}). */
    static List<Integer> parseList(String list) {
        List<Integer> cpus = new ArrayList<>();
        for (String part : list.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int dash = p.indexOf('-');
            int lo = Integer.parseInt(dash < 0 ? p : p.substring(0, dash));
            int hi = dash < 0 ? lo : Integer.parseInt(p.substring(dash + 1));
            if (hi < lo) {
                throw new IllegalArgumentException("bad CPU range '" + p + "'");
            }
            for (int c = lo; c <= hi; c++) {
                cpus.add(c);
            }
        }
        return cpus;
    }

    /** Formats ascending CPUs as Linux writes a CPU list ({@code 0-3,8,10-11}). */
    public static String format(List<Integer> cpus) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cpus.size(); ) {
            int j = i;
            while (j + 1 < cpus.size() && cpus.get(j + 1) == cpus.get(j) + 1) {
                j++;
            }
            b.append(b.length() > 0 ? "," : "").append(cpus.get(i));
            if (j > i) {
                b.append('-').append(cpus.get(j));
            }
            i = j + 1;
        }
        return b.toString();
    }

    /** Local rank {@code i}'s contiguous share of {@code cpus}; empty when there are fewer CPUs than ranks. */
    static List<Integer> slice(List<Integer> cpus, int i, int localSize) {
        int k = cpus.size();
        if (k < localSize || i < 0 || i >= localSize) {
            return List.of();
        }
        return List.copyOf(cpus.subList(i * k / localSize, (i + 1) * k / localSize));
    }

    /** Runs {@code taskset -a -p -c list pid}; null on success, else what went wrong. */
    private static String taskset(String list, long pid) {
        try {
            Process p = new ProcessBuilder("taskset", "-a", "-p", "-c", list, Long.toString(pid))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "taskset did not finish";
            }
            return p.exitValue() == 0 ? null : "taskset exited " + p.exitValue() + ": " + out;
        } catch (IOException e) {
            return "taskset not found: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
