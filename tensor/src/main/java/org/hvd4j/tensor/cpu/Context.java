package org.hvd4j.tensor.cpu;

/**
 * What a thread may do inside {@link Parallel} now. Its {@link #share} says into how many pieces
 * its work is divided, and it is a pure function of the configured thread count and of where the
 * thread is (halved in each branch of a fork, 1 inside a chunk), never of which threads happen to
 * be free: a product split into blocks rounds differently from the undivided one, so the blocks
 * must be the same in every run. Whether the pieces then run on workers or one after the other
 * on this thread ({@link #real}) changes no result.
 */
final class Context {
    /** Pieces this context's work is divided into. */
    int share = 1;
    /** True when workers {@code [lo, hi)} of the team are this context's helpers; false: the pieces run here in turn. */
    boolean real;
    int lo;
    int hi;
    /** Calls in flight on this thread (0: the next call is a top-level one); indexes {@link #joins}. */
    int depth;
    final Join[] joins = Team.joins();
}
