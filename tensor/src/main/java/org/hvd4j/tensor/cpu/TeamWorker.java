package org.hvd4j.tensor.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * One helper thread of a {@link Team}. A piece of work is posted to it and then claimed, by it or
 * by the dispatcher: a dispatcher that has finished its own share takes back any piece its worker
 * has not started, so a worker that lost its core to another thread (the JIT compiler, a data
 * loader) costs the step that piece's time on the dispatcher's core instead of a stall until the
 * scheduler gives the worker its core back. A piece is a chunk of a loop (no helpers of its own)
 * or a branch of a fork (with workers {@code [lo, hi)} of the team as its helpers).
 *
 * <p>Between pieces the worker spins for the team's spin time, yielding its core now and then to
 * any other runnable thread, then parks until the next post.
 */
final class TeamWorker extends Thread {
    private static final VarHandle SLOT;
    private static final long POSTED = 1;
    private static final long RUNNING = 2;
    private static final long TAKEN = 3;

    static {
        try {
            SLOT = MethodHandles.lookup().findVarHandle(TeamWorker.class, "slot", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Team team;
    /** The piece running now: its share and helpers (workers {@code [lo, hi)} of the team). */
    final Context ctx = new Context();

    // the mailbox: written by the dispatcher before it publishes the post through `slot`
    private Parallel.Range body;
    private int from;
    private int to;
    private Runnable task;
    private Join done;
    private int helpersLo;
    private int helpersHi;
    /** Sequence number of the last post (dispatcher's side). */
    private long postedSeq;
    /** {@code (sequence << 2) | state}: the last post and who has it (posted, running here, taken back). */
    private volatile long slot;
    private volatile boolean parked;
    private volatile boolean stopped;

    TeamWorker(Team team, int index) {
        super("hvd4j-cpu-" + index);
        this.team = team;
        setDaemon(true);
    }

    /** Posts a chunk of a loop; the worker has no helpers for it. */
    void chunk(Parallel.Range body, int from, int to, Join done) {
        this.body = body;
        this.from = from;
        this.to = to;
        this.task = null;
        post(0, 0, done);
    }

    /** Posts a branch of a fork, with workers {@code [lo, hi)} of the team as its helpers. */
    void branch(Runnable task, int lo, int hi, Join done) {
        this.body = null;
        this.task = task;
        post(lo, hi, done);
    }

    private void post(int lo, int hi, Join join) {
        this.helpersLo = lo;
        this.helpersHi = hi;
        this.done = join;
        postedSeq++; // single writer: a worker belongs to one dispatcher at a time
        slot = postedSeq << 2 | POSTED;
        if (parked) { // Dekker with idle(): the post is seen, or the parked flag is
            LockSupport.unpark(this);
        }
    }

    /**
     * Takes the last post back if the worker has not started it; the dispatcher then runs it
     * itself (the mailbox still holds it) and calls {@link Join#arrive} for it.
     */
    boolean takeBack() {
        return SLOT.compareAndSet(this, postedSeq << 2 | POSTED, postedSeq << 2 | TAKEN);
    }

    /** The chunk bounds of the last post, for a dispatcher that took it back. */
    int postedFrom() {
        return from;
    }

    int postedTo() {
        return to;
    }

    void stopWorking() {
        stopped = true;
        LockSupport.unpark(this);
    }

    @Override
    public void run() {
        long seen = 0;
        long spinNanos = team.spinNanos();
        while (true) {
            long s = slot;
            if (s >>> 2 == seen) {
                if (!idle(seen, spinNanos)) {
                    return;
                }
                continue;
            }
            seen = s >>> 2;
            if ((s & 3) != POSTED || !SLOT.compareAndSet(this, s, seen << 2 | RUNNING)) {
                continue; // taken back by the dispatcher
            }
            Join join = done;
            ctx.real = true;
            ctx.lo = helpersLo;
            ctx.hi = helpersHi;
            ctx.share = helpersHi - helpersLo + 1;
            ctx.depth = 0;
            try {
                if (task != null) {
                    task.run();
                } else {
                    body.run(from, to);
                }
            } catch (Throwable e) {
                join.fail(e);
            } finally {
                ctx.lo = 0;
                ctx.hi = 0;
                ctx.share = 1;
                body = null; // before arrive(): after it the dispatcher may post the next piece
                task = null;
                join.arrive();
            }
        }
    }

    /** Spins (yielding now and then), then parks, until a piece is posted; false once the team is shut down. */
    private boolean idle(long seen, long spinNanos) {
        long deadline = System.nanoTime() + spinNanos;
        int spins = 0;
        while (slot >>> 2 == seen) {
            if (stopped) {
                return false;
            }
            if ((++spins & 255) != 0) {
                Thread.onSpinWait();
            } else if (System.nanoTime() - deadline < 0) {
                Thread.yield(); // another runnable thread here (the JIT compiler) may use the core meanwhile
            } else {
                parked = true;
                if (slot >>> 2 == seen && !stopped) {
                    LockSupport.park(this);
                }
                parked = false;
                deadline = System.nanoTime() + spinNanos;
            }
        }
        return true;
    }
}
