package org.hvd4j.tensor.cpu;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The threads behind {@link Parallel}: {@code helpers} {@link TeamWorker}s, used by one thread at
 * a time, the owner, which takes the team for the length of one top-level call. Another thread
 * calling meanwhile (ranks as threads in tests) gets the same {@link Context#share} but runs its
 * pieces itself, one after the other, so its results are the same bits.
 *
 * <p>A dispatching thread (the owner, or a worker leading a fork branch) posts pieces to the
 * workers of its context, runs its own piece, then takes back and runs any piece whose worker has
 * not started it (see {@link TeamWorker}), and waits for the rest.
 */
final class Team {
    private static final int MAX_DEPTH = 16;
    /** Contexts of the threads that are not workers (the owner's included). */
    private static final ThreadLocal<Context> CALLERS = ThreadLocal.withInitial(Context::new);

    private final TeamWorker[] workers;
    private final long spinNanos;
    private final AtomicReference<Thread> owner = new AtomicReference<>();
    private volatile boolean closed;

    Team(int helpers, long spinNanos) {
        this.spinNanos = spinNanos;
        workers = new TeamWorker[helpers];
        for (int i = 0; i < helpers; i++) {
            workers[i] = new TeamWorker(this, i + 1);
            workers[i].start();
        }
    }

    static Join[] joins() {
        Join[] js = new Join[MAX_DEPTH];
        for (int i = 0; i < js.length; i++) {
            js[i] = new Join();
        }
        return js;
    }

    long spinNanos() {
        return spinNanos;
    }

    int size() {
        return workers.length + 1;
    }

    /** The calling thread's share: the whole team before a top-level call. */
    int share() {
        Thread me = Thread.currentThread();
        if (isWorker(me)) {
            return ((TeamWorker) me).ctx.share;
        }
        Context ctx = CALLERS.get();
        return ctx.depth == 0 ? size() : ctx.share;
    }

    void forRange(int n, int grain, Parallel.Range body) {
        Thread me = Thread.currentThread();
        Context ctx = enter(me);
        try {
            int chunks = Math.min(ctx.share, n / grain);
            if (chunks < 2 || ctx.depth > MAX_DEPTH) {
                body.run(0, n);
            } else if (!ctx.real) {
                inline(ctx, n, chunks, body);
            } else {
                dispatch(ctx, n, chunks, body);
            }
        } finally {
            exit(ctx, me);
        }
    }

    void fork(Runnable first, Runnable second) {
        Thread me = Thread.currentThread();
        Context ctx = enter(me);
        try {
            int share = ctx.share;
            if (share < 2 || ctx.depth > MAX_DEPTH) {
                first.run();
                second.run();
                return;
            }
            // the caller keeps ceil(share / 2) of the threads, `second` gets the rest
            int leftShare = (share + 1) / 2;
            if (!ctx.real) {
                Throwable failure = runAs(ctx, leftShare, ctx.lo, ctx.lo, first, null);
                failure = runAs(ctx, share - leftShare, ctx.lo, ctx.lo, second, failure);
                Join.rethrow(failure);
                return;
            }
            int lo = ctx.lo;
            int hi = ctx.hi;
            int leader = lo + leftShare - 1; // workers [lo, leader) stay with the caller
            Join join = ctx.joins[ctx.depth - 1];
            join.start(1);
            TeamWorker helper = workers[leader];
            helper.branch(second, leader + 1, hi, join);
            Throwable failure = runAs(ctx, leftShare, lo, leader, first, null);
            if (helper.takeBack()) { // its worker has not started it (it lost its core): run it here, with its share
                failure = runAs(ctx, share - leftShare, leader + 1, hi, second, failure);
                join.arrive();
            }
            join.await();
            Join.rethrow(failure != null ? failure : join.error());
        } finally {
            exit(ctx, me);
        }
    }

    /** Chunks 1.. on the context's workers, chunk 0 here, then the chunks no worker has started. */
    private void dispatch(Context ctx, int n, int chunks, Parallel.Range body) {
        int share = ctx.share;
        int lo = ctx.lo;
        int hi = ctx.hi;
        Join join = ctx.joins[ctx.depth - 1];
        join.start(chunks - 1);
        for (int c = 1; c < chunks; c++) {
            workers[lo + c - 1].chunk(body, bound(n, c, chunks), bound(n, c + 1, chunks), join);
        }
        // inside a chunk there are no helpers: a nested call runs inline
        ctx.share = 1;
        ctx.hi = lo;
        Throwable failure = null;
        try {
            body.run(0, bound(n, 1, chunks));
            for (int c = 1; c < chunks; c++) {
                TeamWorker helper = workers[lo + c - 1];
                if (helper.takeBack()) {
                    try {
                        body.run(helper.postedFrom(), helper.postedTo());
                    } finally {
                        join.arrive();
                    }
                }
            }
        } catch (Throwable e) {
            failure = e;
            for (int c = 1; c < chunks; c++) { // chunks not started yet are not run at all; they still count as ended
                if (workers[lo + c - 1].takeBack()) {
                    join.arrive();
                }
            }
        } finally {
            ctx.share = share;
            ctx.hi = hi;
        }
        join.await();
        Join.rethrow(failure != null ? failure : join.error());
    }

    /** The chunks one after the other on this thread (the team is another thread's): the same pieces, the same bits. */
    private static void inline(Context ctx, int n, int chunks, Parallel.Range body) {
        int share = ctx.share;
        ctx.share = 1;
        try {
            for (int c = 0; c < chunks; c++) {
                body.run(bound(n, c, chunks), bound(n, c + 1, chunks));
            }
        } finally {
            ctx.share = share;
        }
    }

    /** Runs {@code r} with the given share and helpers; returns {@code failure}, or r's when that was null. */
    private static Throwable runAs(Context ctx, int share, int lo, int hi, Runnable r, Throwable failure) {
        int s = ctx.share;
        int l = ctx.lo;
        int h = ctx.hi;
        ctx.share = share;
        ctx.lo = lo;
        ctx.hi = hi;
        try {
            r.run();
        } catch (Throwable e) {
            if (failure == null) {
                failure = e;
            }
        } finally {
            ctx.share = s;
            ctx.lo = l;
            ctx.hi = h;
        }
        return failure;
    }

    private boolean isWorker(Thread me) {
        return me instanceof TeamWorker w && w.team == this;
    }

    /** The calling thread's context for one more call in flight; a top-level call begins here. */
    private Context enter(Thread me) {
        boolean worker = isWorker(me);
        Context ctx = worker ? ((TeamWorker) me).ctx : CALLERS.get();
        if (ctx.depth == 0 && !worker) {
            begin(ctx, me);
        }
        ctx.depth++;
        return ctx;
    }

    private void exit(Context ctx, Thread me) {
        if (--ctx.depth == 0 && !isWorker(me)) {
            end(ctx, me);
        }
    }

    /** A top-level call: the whole team's share, on the workers if this thread can take the team. */
    private void begin(Context ctx, Thread me) {
        ctx.share = size();
        ctx.real = !closed && owner.compareAndSet(null, me);
        if (ctx.real && closed) {
            owner.set(null);
            ctx.real = false;
        }
        ctx.lo = 0;
        ctx.hi = ctx.real ? workers.length : 0;
    }

    private void end(Context ctx, Thread me) {
        if (ctx.real) {
            ctx.real = false;
            owner.compareAndSet(me, null);
        }
        ctx.share = 1;
    }

    /** Ends the workers once no thread uses the team; later calls to it run their pieces inline. */
    void shutdown() {
        if (owner.get() == Thread.currentThread()) {
            throw new IllegalStateException("the CPU thread count cannot change inside a parallel kernel");
        }
        closed = true;
        while (!owner.compareAndSet(null, Thread.currentThread())) {
            Thread.onSpinWait();
        }
        for (TeamWorker w : workers) {
            w.stopWorking();
        }
    }

    /** Start of chunk {@code c} of {@code chunks} over {@code [0, n)}. */
    private static int bound(int n, int c, int chunks) {
        return (int) ((long) n * c / chunks);
    }
}
