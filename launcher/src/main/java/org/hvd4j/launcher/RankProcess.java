package org.hvd4j.launcher;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One started rank: its wrapper (or ssh) process, the pipe that keeps it alive, and its stderr
 * tail. Closing standard input is the polite stop (the wrapper sends SIGTERM, then SIGKILL);
 * {@link #kill} is the last resort for the local process tree.
 */
final class RankProcess {
    final RankLaunch launch;
    final Process process;
    final OutputMux.Tail tail = new OutputMux.Tail();
    private final OutputStream stdin;
    private volatile boolean stopRequested;

    private RankProcess(RankLaunch launch, Process process) {
        this.launch = launch;
        this.process = process;
        this.stdin = process.getOutputStream();
    }

    /** Starts {@code launch} in {@code dir}, sends its environment and connects its output to {@code mux}. */
    static RankProcess start(RankLaunch launch, File dir, OutputMux mux) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(launch.argv()).directory(dir);
        if (launch.remote()) {
            // ssh needs nothing of the rank's environment locally; it travels on stdin
            pb.environment().keySet().removeIf(k -> k.startsWith("HVD4J_"));
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot start rank " + launch.place().rank() + " (" + launch.argv().get(0) + "): "
                    + e.getMessage(), e);
        }
        RankProcess r = new RankProcess(launch, p);
        mux.attach(launch.place().rank(), p.getInputStream(), false, r.tail);
        mux.attach(launch.place().rank(), p.getErrorStream(), true, r.tail);
        try {
            r.stdin.write(RankWrapper.environmentLines(launch.environment()).getBytes(StandardCharsets.UTF_8));
            r.stdin.flush();
        } catch (IOException e) {
            // the wrapper died at once (ssh refused, say): its exit status and stderr tell why
        }
        return r;
    }

    int rank() {
        return launch.place().rank();
    }

    String host() {
        return launch.place().host();
    }

    CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    /** Asks the rank to stop: its wrapper sends SIGTERM to the rank's process group. */
    void stop() {
        stopRequested = true;
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    boolean stopRequested() {
        return stopRequested;
    }

    /** Kills the local process and everything it started (for ssh ranks the remote side then sees EOF). */
    void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** Waits up to {@code millis} for the process to end. */
    boolean await(long millis) throws InterruptedException {
        return process.waitFor(Math.max(0, millis), TimeUnit.MILLISECONDS);
    }
}
