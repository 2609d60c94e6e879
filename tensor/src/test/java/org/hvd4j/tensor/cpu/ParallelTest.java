package org.hvd4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The CPU kernels' threads: every index of a loop exactly once on any thread count, pieces on
 * distinct threads, nested calls inline or within a fork branch's share, failures rethrown after
 * every piece has ended, several calling threads at once, and idle workers that park.
 */
class ParallelTest {
    private final int threadsBefore = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(threadsBefore);
    }

    private static void coverOnce(int n, int grain) {
        AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
        List<int[]> chunks = Collections.synchronizedList(new ArrayList<>());
        Parallel.forRange(n, grain, (from, to) -> {
            chunks.add(new int[] {from, to});
            for (int i = from; i < to; i++) {
                hits.incrementAndGet(i);
            }
        });
        for (int i = 0; i < n; i++) {
            assertEquals(1, hits.get(i), "index " + i + " of " + n + " on " + Parallel.threads() + " threads");
        }
        assertTrue(chunks.size() <= Math.max(1, Parallel.threads()), chunks.size() + " chunks on " + Parallel.threads() + " threads");
        if (chunks.size() > 1) {
            for (int[] c : chunks) {
                assertTrue(c[1] - c[0] >= grain, "chunk [" + c[0] + ", " + c[1] + ") is below the grain " + grain);
            }
        }
    }

    @Test
    void everyIndexExactlyOnceOnAnyThreadCount() {
        for (int t = 1; t <= 5; t++) {
            Parallel.setThreads(t);
            for (int n : new int[] {0, 1, 2, 7, 63, 64, 1000, 100_003}) {
                coverOnce(n, 1);
                coverOnce(n, 16);
            }
        }
    }

    @Test
    void piecesRunOnDistinctThreadsAndNestedCallsInline() {
        Parallel.setThreads(3);
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger nested = new AtomicInteger();
        for (int round = 0; round < 20; round++) {
            // every chunk waits for the other two: this only returns if the three run at the same time
            CyclicBarrier meet = new CyclicBarrier(3);
            Parallel.forRange(3, 1, (from, to) -> {
                seen.add(Thread.currentThread());
                assertEquals(1, Parallel.share(), "a chunk has no helpers");
                await(meet);
                Thread me = Thread.currentThread();
                Parallel.forRange(1000, 1, (f, t) -> {
                    assertSame(me, Thread.currentThread(), "a nested loop runs on its chunk's thread");
                    nested.addAndGet(t - f);
                });
            });
        }
        assertEquals(3, seen.size(), "the same three threads every round: " + seen);
        assertEquals(20 * 3 * 1000, nested.get());
        assertEquals(3, Parallel.share(), "the whole team is free again after the call");
    }

    @Test
    void forkGivesEachBranchHalfTheThreads() {
        Parallel.setThreads(4);
        Set<Thread> left = ConcurrentHashMap.newKeySet();
        Set<Thread> right = ConcurrentHashMap.newKeySet();
        int[] shares = new int[2];
        AtomicInteger total = new AtomicInteger();
        CyclicBarrier branches = new CyclicBarrier(2);
        Parallel.fork(() -> branch(branches, shares, 0, left, total), () -> branch(branches, shares, 1, right, total));
        assertEquals(2, shares[0]);
        assertEquals(2, shares[1]);
        assertEquals(4, total.get());
        assertEquals(2, left.size(), "left branch: " + left);
        assertEquals(2, right.size(), "right branch: " + right);
        Set<Thread> both = new HashSet<>(left);
        both.retainAll(right);
        assertTrue(both.isEmpty(), "the branches share no thread: " + both);
    }

    @Test
    void aPieceItsWorkerHasNotStartedIsTakenBackByTheCaller() {
        String before = System.getProperty(Parallel.SPIN_PROPERTY);
        System.setProperty(Parallel.SPIN_PROPERTY, "0"); // workers park at once: each post needs a wake-up
        try {
            Parallel.setThreads(1);
            Parallel.setThreads(2);
            Thread caller = Thread.currentThread();
            int takenBack = 0;
            for (int round = 0; round < 200 && takenBack == 0; round++) {
                sleep(1);
                AtomicIntegerArray hits = new AtomicIntegerArray(2);
                Thread[] ran = new Thread[2];
                Parallel.forRange(2, 1, (from, to) -> {
                    ran[from] = Thread.currentThread();
                    hits.incrementAndGet(from);
                });
                assertEquals(1, hits.get(0));
                assertEquals(1, hits.get(1), "the second chunk ran exactly once");
                if (ran[1] == caller) {
                    takenBack++;
                }
            }
            assertTrue(takenBack > 0, "a parked worker's chunk was never taken back by the caller");

            // a fork branch taken back runs with the share it would have had on its worker (the same split)
            Parallel.setThreads(4);
            int branchesTakenBack = 0;
            for (int round = 0; round < 200 && branchesTakenBack == 0; round++) {
                sleep(1);
                int[] share = new int[1];
                Thread[] ran = new Thread[1];
                Parallel.fork(() -> { }, () -> {
                    ran[0] = Thread.currentThread();
                    share[0] = Parallel.share();
                    coverOnce(10_000, 1);
                });
                assertEquals(2, share[0], "the second branch's share, run on " + ran[0]);
                if (ran[0] == caller) {
                    branchesTakenBack++;
                }
            }
            assertTrue(branchesTakenBack > 0, "a parked worker's branch was never taken back by the caller");
        } finally {
            if (before == null) {
                System.clearProperty(Parallel.SPIN_PROPERTY);
            } else {
                System.setProperty(Parallel.SPIN_PROPERTY, before);
            }
            Parallel.setThreads(1);
        }
    }

    /** A fork branch: meets the other branch, records its share, then loops over 2 chunks that must meet too. */
    private static void branch(CyclicBarrier branches, int[] shares, int which, Set<Thread> ran, AtomicInteger total) {
        await(branches);
        shares[which] = Parallel.share();
        CyclicBarrier pair = new CyclicBarrier(2);
        Parallel.forRange(2, 1, (f, t) -> {
            ran.add(Thread.currentThread());
            await(pair);
            total.addAndGet(t - f);
        });
    }

    @Test
    void forkOnTwoThreadsRunsTheBranchesSideBySide() throws Exception {
        Parallel.setThreads(2);
        // each branch waits for the other: this only returns if they run at the same time
        CyclicBarrier meet = new CyclicBarrier(2);
        Thread[] ran = new Thread[2];
        Parallel.fork(() -> {
            ran[0] = Thread.currentThread();
            await(meet);
        }, () -> {
            ran[1] = Thread.currentThread();
            await(meet);
        });
        assertSame(Thread.currentThread(), ran[0], "the caller runs the first branch");
        assertTrue(ran[1] != ran[0]);
        Parallel.setThreads(1);
        List<String> order = new ArrayList<>();
        Parallel.fork(() -> order.add("first"), () -> order.add("second"));
        assertEquals(List.of("first", "second"), order, "one thread: one after the other");
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the other branch did not run alongside", e);
        }
    }

    @Test
    void aFailureIsRethrownAfterEveryPieceHasEnded() {
        Parallel.setThreads(3);
        AtomicInteger ended = new AtomicInteger();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                Parallel.forRange(3, 1, (from, to) -> {
                    try {
                        if (from == 2) { // the last chunk, on a worker
                            throw new IllegalArgumentException("chunk " + from);
                        }
                        sleep(50);
                    } finally {
                        ended.incrementAndGet();
                    }
                }));
        assertEquals("chunk 2", e.getMessage());
        assertEquals(3, ended.get(), "every chunk had ended when the failure reached the caller");
        assertThrows(IllegalStateException.class, () -> Parallel.fork(() -> { }, () -> {
            throw new IllegalStateException("second");
        }));
        coverOnce(100_000, 1); // the team still works
    }

    @Test
    void aSecondCallerWhileTheTeamIsBusyRunsTheSamePiecesInTurn() throws Exception {
        Parallel.setThreads(3);
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread owner = new Thread(() -> Parallel.forRange(3, 1, (from, to) -> {
            if (from == 0) {
                holding.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }));
        owner.start();
        holding.await();
        try {
            assertEquals(3, Parallel.share(), "the share does not depend on whether the team is free");
            List<String> pieces = new ArrayList<>();
            int[] shares = new int[2];
            Thread me = Thread.currentThread();
            Parallel.forRange(10, 1, (from, to) -> {
                assertSame(me, Thread.currentThread(), "the team is busy: every piece runs on the caller");
                pieces.add(from + "-" + to + " share " + Parallel.share());
            });
            assertEquals(List.of("0-3 share 1", "3-6 share 1", "6-10 share 1"), pieces, "the owner's pieces, here in turn");
            Parallel.fork(() -> shares[0] = Parallel.share(), () -> shares[1] = Parallel.share());
            assertEquals(2, shares[0]);
            assertEquals(1, shares[1]);
        } finally {
            release.countDown();
            owner.join(10_000);
        }
    }

    @Test
    void severalCallingThreadsAtOnceAllGetWholeResults() throws Exception {
        Parallel.setThreads(2);
        int callers = 4;
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        for (int c = 0; c < callers; c++) {
            Thread t = new Thread(() -> {
                try {
                    for (int round = 0; round < 200; round++) {
                        coverOnce(5000 + round, 1);
                        AtomicInteger a = new AtomicInteger();
                        Parallel.fork(a::incrementAndGet, a::incrementAndGet);
                        assertEquals(2, a.get());
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(60_000);
            assertTrue(!t.isAlive(), "a calling thread still runs after 60 s: " + java.util.Arrays.toString(t.getStackTrace()));
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    @Test
    void idleWorkersParkAndOldTeamsEnd() throws Exception {
        Parallel.setThreads(2);
        Thread[] ran = new Thread[1];
        CyclicBarrier meet = new CyclicBarrier(2);
        Parallel.forRange(2, 1, (from, to) -> {
            if (from == 1) {
                ran[0] = Thread.currentThread();
            }
            await(meet);
        });
        Thread worker = ran[0];
        assertTrue(worker instanceof TeamWorker, "the second chunk ran on a worker: " + worker);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (worker.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            sleep(5);
        }
        assertEquals(Thread.State.WAITING, worker.getState(), "an idle worker parks after its spin time");
        coverOnce(1000, 1); // and wakes for the next piece
        Parallel.setThreads(3);
        worker.join(5000);
        assertTrue(!worker.isAlive(), "a worker of the old team ends");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
