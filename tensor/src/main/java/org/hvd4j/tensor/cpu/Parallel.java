package org.hvd4j.tensor.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Splits loops over a fixed pool. Work below {@code grain} items runs on the calling thread: on
 * small tensors the hand-off costs more than it saves.
 */
final class Parallel {
    /** A loop body over the half-open range {@code [from, to)}. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    private static volatile ForkJoinPool pool;
    private static volatile int threads = 1;

    private Parallel() {
    }

    static synchronized void setThreads(int n) {
        if (n == threads && pool != null) {
            return;
        }
        ForkJoinPool old = pool;
        threads = n;
        pool = n > 1 ? new ForkJoinPool(n) : null;
        if (old != null) {
            old.shutdown();
        }
    }

    static int threads() {
        return threads;
    }

    /** Runs {@code body} over {@code [0, n)} in up to {@link #threads()} contiguous chunks. */
    static void forRange(int n, int grain, Range body) {
        ForkJoinPool p = pool;
        int t = threads;
        if (p == null || n < 2 * grain || t == 1) {
            body.run(0, n);
            return;
        }
        int chunks = Math.min(t, n / grain);
        p.invoke(new Chunk(body, 0, n, chunks));
    }

    private static final class Chunk extends RecursiveAction {
        private final Range body;
        private final int from;
        private final int to;
        private final int pieces;

        Chunk(Range body, int from, int to, int pieces) {
            this.body = body;
            this.from = from;
            this.to = to;
            this.pieces = pieces;
        }

        @Override
        protected void compute() {
            if (pieces <= 1) {
                body.run(from, to);
                return;
            }
            int leftPieces = pieces / 2;
            int mid = from + (int) ((long) (to - from) * leftPieces / pieces);
            Chunk right = new Chunk(body, mid, to, pieces - leftPieces);
            right.fork();
            new Chunk(body, from, mid, leftPieces).compute();
            right.join();
        }
    }
}
