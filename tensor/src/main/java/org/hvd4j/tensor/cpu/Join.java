package org.hvd4j.tensor.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The pieces of work a dispatching thread has handed to workers and must see finished before it
 * goes on: a countdown decremented by whoever ran each piece (the worker, or the dispatcher that
 * took it back), the first failure among them, and the dispatcher's wait.
 * Reused: one per dispatcher and nesting depth.
 */
final class Join {
    private static final VarHandle PENDING;

    static {
        try {
            PENDING = MethodHandles.lookup().findVarHandle(Join.class, "pending", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** How long {@link #await} spins before it parks. */
    static final long SPIN_NANOS = 50_000L;

    private volatile int pending;
    private volatile boolean waiting;
    private Thread waiter;
    private Throwable error;

    /** Before handing out {@code pieces} pieces; called by the dispatcher. */
    void start(int pieces) {
        error = null;
        waiter = Thread.currentThread();
        pending = pieces; // volatile write: publishes the two fields above to the workers
    }

    /** A piece failed; the dispatcher rethrows the first failure once every piece has ended. */
    synchronized void fail(Throwable e) {
        if (error == null) {
            error = e;
        }
    }

    /** A piece has ended (normally or not); called by the worker, last thing it does with the piece. */
    void arrive() {
        // Dekker with await: the decrement is seen, or the waiter's flag is
        if ((int) PENDING.getAndAdd(this, -1) == 1 && waiting) {
            LockSupport.unpark(waiter);
        }
    }

    /**
     * Waits until every piece has arrived: spins for {@link #SPIN_NANOS} (the usual imbalance
     * between equal pieces), then parks in short slices. Parking matters when a worker lost its
     * core in the middle of a piece: the core this thread leaves idle is where the scheduler then
     * moves the worker (or whatever displaced it).
     */
    void await() {
        long deadline = 0;
        int spins = 0;
        while (pending != 0) {
            if ((++spins & 63) != 0) {
                Thread.onSpinWait();
                continue;
            }
            long now = System.nanoTime();
            if (deadline == 0) {
                deadline = now + SPIN_NANOS;
            } else if (now - deadline > 0) {
                waiting = true;
                if (pending != 0) {
                    LockSupport.parkNanos(this, 50_000L); // bounded: a lost wake-up costs at most this
                }
                waiting = false;
            }
        }
    }

    /** The first failure of a piece since {@link #start}, or null; read after {@link #await}. */
    synchronized Throwable error() {
        return error;
    }

    /** Throws {@code t} (unchecked as it is, anything else wrapped); nothing when null. */
    static void rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException("a parallel CPU kernel failed: " + t, t);
        }
    }
}
