package org.hvd4j.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.hvd4j.allreduce.net.Secret;
import org.hvd4j.allreduce.rendezvous.RendezvousServer;

/**
 * Runs one job: hosts the rendezvous server, starts every rank (child processes here, ssh
 * elsewhere), copies their output, and watches them.
 *
 * <p>Fail-fast: the first rank that exits non-zero (or is killed) ends the job. Every other rank
 * is stopped (its wrapper sends SIGTERM, then SIGKILL after the grace period; local process trees
 * are killed outright if even that is not enough), the failure is reported with the rank, its host,
 * its exit status and the last lines of its stderr, and hvdrun exits with that rank's status.
 * A rank that exits 0 ends nothing: ranks finish at slightly different times. Ranks that others
 * reached the rendezvous without, within the start timeout, are named and the job is stopped.
 * SIGINT or SIGTERM to hvdrun stop every rank the same way (a shutdown hook).
 */
final class JobRunner {
    /** Exit status of hvdrun when ranks never met at the rendezvous. */
    static final int START_TIMEOUT_EXIT = 124;

    private final LaunchSettings s;
    private final Secret secret;
    private final PrintStream out;
    private final PrintStream err;
    private final List<RankProcess> ranks = new ArrayList<>();
    private final Map<String, Boolean> local = new LinkedHashMap<>();
    private volatile boolean finished;

    JobRunner(LaunchSettings settings, Secret secret, PrintStream out, PrintStream err) {
        this.s = settings;
        this.secret = secret;
        this.out = out;
        this.err = err;
        // once per host: the test may need a name lookup
        for (RankPlacement p : settings.placements()) {
            local.computeIfAbsent(p.host(), LocalHost::isLocal);
        }
    }

    private boolean isLocal(String host) {
        return local.get(host);
    }

    /** Where ranks reach the rendezvous server: loopback for one-host jobs, else the address remote hosts route to. */
    InetAddress rendezvousAddress() throws IOException {
        if (s.networkInterface() != null) {
            return LocalHost.interfaceAddress(s.networkInterface());
        }
        for (RankPlacement p : s.placements()) {
            if (!isLocal(p.host())) {
                return LocalHost.routeTo(p.host());
            }
        }
        return InetAddress.getLoopbackAddress();
    }

    /** The launch of every rank when the rendezvous server listens at {@code rendezvous} (host:port). */
    List<RankLaunch> launches(String rendezvous) {
        List<RankLaunch> out = new ArrayList<>();
        int grace = (int) Math.max(1, s.killGrace().toSeconds());
        for (RankPlacement p : s.placements()) {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("HVD4J_RANK", Integer.toString(p.rank()));
            env.put("HVD4J_SIZE", Integer.toString(p.size()));
            env.put("HVD4J_LOCAL_RANK", Integer.toString(p.localRank()));
            env.put("HVD4J_LOCAL_SIZE", Integer.toString(p.localSize()));
            env.put("HVD4J_CROSS_RANK", Integer.toString(p.crossRank()));
            env.put("HVD4J_CROSS_SIZE", Integer.toString(p.crossSize()));
            env.put("HVD4J_HOSTNAME", p.host());
            env.put("HVD4J_RENDEZVOUS", rendezvous);
            env.put("HVD4J_SECRET", secret.encoded());
            env.put("HVD4J_START_TIMEOUT", Long.toString(Math.max(1, s.startTimeout().toSeconds())));
            if (s.networkInterface() != null) {
                env.put("HVD4J_NETWORK_INTERFACE", s.networkInterface());
            }
            env.putAll(s.rankEnvironment());
            boolean remote = !isLocal(p.host());
            String dir = s.workDir().toString();
            List<String> argv = remote
                    ? s.ssh().command(p.host(), RankWrapper.remote(dir, s.command(), grace))
                    : RankWrapper.local(dir, s.command(), grace);
            out.add(new RankLaunch(p, remote, argv, env, s.command()));
        }
        return out;
    }

    /** Runs the job; returns hvdrun's exit status. */
    int run() throws IOException, InterruptedException {
        List<String> remoteHosts = new ArrayList<>(new LinkedHashSet<>(s.placements().stream()
                .map(RankPlacement::host).filter(h -> !isLocal(h)).toList()));
        try (OutputMux mux = new OutputMux(out, err, s.outputDir())) {
            if (!remoteHosts.isEmpty()) {
                SshCheck.requireReachable(remoteHosts, s.ssh(), s.verbose(), mux);
            }
            InetAddress bind = rendezvousAddress();
            try (RendezvousServer server = RendezvousServer.start(bind, 0, secret)) {
                String rv = hostPort(bind, server.port());
                if (s.verbose()) {
                    mux.message("hvdrun: rendezvous server at " + rv + "; starting " + s.size() + " ranks on "
                            + hostsOf() + ": " + ShellQuote.join(s.command()));
                }
                Thread hook = new Thread(() -> interrupted(mux), "hvdrun-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                try {
                    for (RankLaunch l : launches(rv)) {
                        ranks.add(RankProcess.start(l, s.workDir().toFile(), mux));
                    }
                    return supervise(server, mux);
                } finally {
                    finished = true;
                    stopAll(mux);
                    mux.drain(2000);
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException shuttingDown) {
                        // the hook is running or ran
                    }
                }
            }
        }
    }

    private int supervise(RendezvousServer server, OutputMux mux) throws InterruptedException {
        LinkedBlockingQueue<RankProcess> exits = new LinkedBlockingQueue<>();
        for (RankProcess r : ranks) {
            r.onExit().thenRun(() -> exits.add(r));
        }
        int running = ranks.size();
        RankProcess failed = null;
        int failedCode = 0;
        long firstArrival = 0;
        Set<Integer> missingAtFailure = Set.of();
        while (running > 0) {
            RankProcess r = exits.poll(100, TimeUnit.MILLISECONDS);
            if (r != null) {
                running--;
                int code = r.process.exitValue();
                if (s.verbose()) {
                    mux.message("hvdrun: rank " + r.rank() + " on " + r.host() + " " + ExitStatus.describe(code));
                }
                if (code != 0 && failed == null && !r.stopRequested()) {
                    failed = r;
                    failedCode = code;
                    missingAtFailure = firstArrival > 0 ? missing(server) : Set.of();
                    stopAll(mux);
                }
                continue;
            }
            if (failed == null && firstArrival == 0 && !server.keys("addr/").isEmpty()) {
                firstArrival = System.nanoTime();
            }
            if (failed == null && firstArrival > 0) {
                Set<Integer> missing = missing(server);
                // one second after the ranks' own deadline: their errors come first when they have one
                long limit = s.startTimeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
                if (missing.isEmpty()) {
                    firstArrival = -1;
                } else if (System.nanoTime() - firstArrival > limit) {
                    mux.message("hvdrun: ranks " + describe(missing) + " did not reach the rendezvous within "
                            + s.startTimeout().toSeconds() + " s of the first rank (still starting? stuck before "
                            + "Hvd.init()? see their output above); stopping the job");
                    stopAll(mux);
                    awaitAll();
                    return START_TIMEOUT_EXIT;
                }
            }
            escalate();
        }
        if (failed == null) {
            return 0;
        }
        mux.drain(1000);
        report(mux, failed, failedCode, missingAtFailure);
        return failedCode;
    }

    private void report(OutputMux mux, RankProcess failed, int code, Set<Integer> missing) {
        StringBuilder b = new StringBuilder("hvdrun: rank " + failed.rank() + " on " + failed.host() + " "
                + ExitStatus.describe(code) + " first");
        if (failed.launch.remote() && code == 255) {
            b.append(" (255 is ssh's own failure status: the connection, not the program, may have failed)");
        }
        b.append("; the other ").append(ranks.size() - 1).append(" rank(s) were stopped.");
        if (!missing.isEmpty()) {
            b.append("\nhvdrun: ranks ").append(describe(missing)).append(" had not reached the rendezvous by then.");
        }
        List<String> tail = failed.tail.lines();
        if (!tail.isEmpty()) {
            b.append("\nhvdrun: last lines of rank ").append(failed.rank()).append("'s stderr:");
            for (String line : tail) {
                b.append("\n  ").append(line);
            }
        }
        mux.message(b.toString());
    }

    /** Ranks that have not published their address at the rendezvous. */
    private Set<Integer> missing(RendezvousServer server) {
        Set<String> present = server.keys("addr/");
        Set<Integer> missing = new LinkedHashSet<>();
        for (RankProcess r : ranks) {
            if (!present.contains("addr/" + r.rank())) {
                missing.add(r.rank());
            }
        }
        return missing;
    }

    private String describe(Set<Integer> rankSet) {
        List<String> parts = new ArrayList<>();
        for (int r : rankSet) {
            parts.add(r + " (" + s.placements().get(r).host() + ")");
        }
        return String.join(", ", parts);
    }

    private long stopSince;

    /** Asks every running rank to stop; {@link #escalate} kills what is left after the grace period. */
    private synchronized void stopAll(OutputMux mux) {
        boolean any = false;
        for (RankProcess r : ranks) {
            if (r.process.isAlive() && !r.stopRequested()) {
                r.stop();
                any = true;
            }
        }
        if (any && stopSince == 0) {
            stopSince = System.nanoTime();
        }
    }

    /** After the grace period (plus a second for the wrapper's own SIGKILL) kills local process trees. */
    private synchronized void escalate() {
        if (stopSince != 0 && System.nanoTime() - stopSince > s.killGrace().toNanos() + TimeUnit.SECONDS.toNanos(1)) {
            for (RankProcess r : ranks) {
                if (r.process.isAlive()) {
                    r.kill();
                }
            }
        }
    }

    private void awaitAll() throws InterruptedException {
        long deadline = System.nanoTime() + s.killGrace().toNanos() + TimeUnit.SECONDS.toNanos(2);
        for (RankProcess r : ranks) {
            if (!r.await(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))) {
                r.kill();
            }
        }
    }

    /** The shutdown hook: SIGINT/SIGTERM to hvdrun while ranks run. */
    private void interrupted(OutputMux mux) {
        if (finished) {
            return;
        }
        long alive = ranks.stream().filter(r -> r.process.isAlive()).count();
        mux.message("hvdrun: interrupted; stopping " + alive + " rank(s)");
        stopAll(mux);
        try {
            awaitAll();
            mux.drain(1000);
        } catch (InterruptedException ignored) {
            Thread.currentThread().interrupt();
        }
    }

    private String hostsOf() {
        Map<String, Integer> count = new LinkedHashMap<>();
        for (RankPlacement p : s.placements()) {
            count.merge(p.host(), 1, Integer::sum);
        }
        List<String> parts = new ArrayList<>();
        count.forEach((h, n) -> parts.add(h + ":" + n));
        return String.join(",", parts);
    }

    static String hostPort(InetAddress a, int port) {
        String h = a.getHostAddress();
        return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + port;
    }
}
