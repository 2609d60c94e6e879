package org.hvd4j.allreduce.rendezvous;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The server's key–value state. One lock and one condition, signalled on every change: the store
 * holds a few thousand small entries at most, so waking every waiter to re-check its key is
 * cheaper to get right than per-key conditions.
 */
final class Store {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, byte[]> entries = new HashMap<>();
    private boolean closed;

    /** A key holds a value that is not an 8-byte counter. */
    static final class NotACounterException extends Exception {
        private static final long serialVersionUID = 1L;

        NotACounterException(String key, int length) {
            super("key '" + key + "' holds a " + length + "-byte value, not an 8-byte counter");
        }
    }

    void put(String key, byte[] value) {
        lock.lock();
        try {
            entries.put(key, value);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    Optional<byte[]> get(String key) {
        lock.lock();
        try {
            return Optional.ofNullable(entries.get(key));
        } finally {
            lock.unlock();
        }
    }

    /** The value of {@code key}, waiting up to {@code millis} for it; null on timeout or close. */
    byte[] await(String key, long millis) throws InterruptedException {
        long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
        lock.lock();
        try {
            byte[] v;
            while ((v = entries.get(key)) == null && !closed && nanos > 0) {
                nanos = changed.awaitNanos(nanos);
            }
            return v;
        } finally {
            lock.unlock();
        }
    }

    /** Adds {@code delta} to the counter at {@code key} (created at 0) and returns the sum. */
    long add(String key, long delta) throws NotACounterException {
        lock.lock();
        try {
            long v = counter(key) + delta;
            entries.put(key, ByteBuffer.allocate(Long.BYTES).putLong(v).array());
            changed.signalAll();
            return v;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code millis} for the counter at {@code key} (0 while absent) to reach
     * {@code target}, and returns its value then (below {@code target} on timeout or close).
     */
    long awaitCount(String key, long target, long millis)
            throws NotACounterException, InterruptedException {
        long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
        lock.lock();
        try {
            long v;
            while ((v = counter(key)) < target && !closed && nanos > 0) {
                nanos = changed.awaitNanos(nanos);
            }
            return v;
        } finally {
            lock.unlock();
        }
    }

    boolean delete(String key) {
        lock.lock();
        try {
            boolean existed = entries.remove(key) != null;
            changed.signalAll();
            return existed;
        } finally {
            lock.unlock();
        }
    }

    /** The keys starting with {@code prefix}, sorted. */
    TreeSet<String> keys(String prefix) {
        lock.lock();
        try {
            TreeSet<String> out = new TreeSet<>();
            for (String k : entries.keySet()) {
                if (k.startsWith(prefix)) {
                    out.add(k);
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every waiter; they return what they have. */
    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private long counter(String key) throws NotACounterException {
        byte[] v = entries.get(key);
        if (v == null) {
            return 0;
        }
        if (v.length != Long.BYTES) {
            throw new NotACounterException(key, v.length);
        }
        return ByteBuffer.wrap(v).getLong();
    }
}
