package org.hvd4j.tensor.cpu;

/**
 * Splits CPU kernels over the process's threads: the calling thread plus {@code threads - 1}
 * {@link TeamWorker}s that spin for a short while between jobs, so handing a piece to a worker
 * costs about a microsecond (a ForkJoinPool wake-up, used until 2026-12-07, cost tens of
 * microseconds on a host with no idle core and made splitting a 100 µs GEMM not worth it). A
 * piece its worker has not started by the time the caller has finished its own is taken back
 * and run by the caller: on a host with no idle core, a worker regularly loses its core to the
 * JIT compiler for milliseconds, and without this the whole step waited for it (the {@code mlp}
 * lost 150–240 µs per step on average to steps of 5–25 ms; with it, 9–18 µs).
 *
 * <p>Two shapes of work:
 * <ul>
 *   <li>{@link #forRange}: a loop over {@code [0, n)} cut into contiguous chunks, the caller taking
 *       the first;</li>
 *   <li>{@link #fork}: two independent pieces of work (the weight and input gradients of a layer),
 *       each with half of the caller's threads.</li>
 * </ul>
 *
 * <p>Nesting: inside a chunk of {@link #forRange} the thread has no helpers, so a nested call runs
 * inline; inside a branch of {@link #fork} it has that branch's share. {@link #share()} says into
 * how many pieces the calling context divides its work. One thread at a time uses the workers; a
 * second thread calling meanwhile (ranks as threads in tests) runs the same pieces itself, one
 * after the other, with the same results.
 */
final class Parallel {
    /** A loop body over the half-open range {@code [from, to)}. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    /**
     * System property: microseconds an idle worker spins (yielding now and then) before it parks;
     * a caller waiting for workers spins for {@link Join#SPIN_NANOS} only. Default {@value #DEFAULT_SPIN_MICROS}: longer than the gaps between the
     * kernels of a training step, so the workers stay awake through a step, short enough that a
     * process waiting for data or the network gives its cores back at once.
     */
    static final String SPIN_PROPERTY = "hvd4j.spinMicros";
    static final int DEFAULT_SPIN_MICROS = 1000;

    private static volatile Team team;
    private static volatile int threads = 1;

    private Parallel() {
    }

    /** Makes the team {@code n} threads (the caller and {@code n - 1} workers); idle workers of the old team end. */
    static synchronized void setThreads(int n) {
        if (n == threads && (n == 1) == (team == null)) {
            return;
        }
        Team old = team;
        team = n > 1 ? new Team(n - 1, spinNanos()) : null;
        threads = n;
        if (old != null) {
            old.shutdown();
        }
    }

    /** The configured thread count (caller included). */
    static int threads() {
        return threads;
    }

    /**
     * Pieces the calling context divides its work into: the configured count before a top-level
     * call, half of the caller's in each branch of {@link #fork} (the caller's branch keeps the
     * odd one), 1 inside a chunk. Never depends on which threads are free (see {@link Context}).
     */
    static int share() {
        Team t = team;
        return t == null ? 1 : t.share();
    }

    /** Runs {@code body} over {@code [0, n)} in up to {@link #share()} contiguous chunks of at least {@code grain}. */
    static void forRange(int n, int grain, Range body) {
        Team t = team;
        if (t == null || n < 2 * grain) {
            body.run(0, n);
            return;
        }
        t.forRange(n, grain, body);
    }

    /**
     * Runs {@code first} and {@code second}, which must not touch memory the other writes,
     * concurrently when the calling context has at least two threads (each branch gets half of
     * them, the caller running {@code first}); otherwise one after the other. Returns when both
     * are done; an exception of either is rethrown after both have ended.
     */
    static void fork(Runnable first, Runnable second) {
        Team t = team;
        if (t == null) {
            first.run();
            second.run();
            return;
        }
        t.fork(first, second);
    }

    private static long spinNanos() {
        String v = System.getProperty(SPIN_PROPERTY);
        int micros = DEFAULT_SPIN_MICROS;
        if (v != null && !v.isBlank()) {
            try {
                micros = Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("-D" + SPIN_PROPERTY + "=" + v + " is not a whole number of microseconds");
            }
            if (micros < 0) {
                throw new IllegalArgumentException("-D" + SPIN_PROPERTY + " must be >= 0, got " + micros);
            }
        }
        return micros * 1000L;
    }
}
