package org.hvd4j.allreduce.shm;

import java.util.concurrent.locks.LockSupport;
import org.hvd4j.allreduce.comm.CommunicatorException;

/**
 * Waits for a peer's flag: spins briefly (the peer is usually microseconds away), then yields for
 * up to {@value #YIELD_NANOS} ns — a yielding thread runs only when no other thread wants the
 * core, so the compute threads of a 2-core host with 2 ranks keep it — and only then parks, for at
 * most {@value #MAX_PARK_NANOS} ns at a time. (Parking earlier, with a pause doubling up to 1 ms,
 * made small collectives take hundreds of microseconds: Linux's timer slack alone adds 50 µs to
 * every park.)
 *
 * <p>While parked it checks, every {@value #LIVENESS_NANOS} ns, that the peer process is alive
 * and that nobody aborted, so a dead peer becomes an exception instead of a hang.
 */
final class PeerWait {
    private static final int SPINS = 200;
    private static final long YIELD_NANOS = 500_000;
    private static final long MIN_PARK_NANOS = 20_000;
    private static final long MAX_PARK_NANOS = 200_000;
    private static final long LIVENESS_NANOS = 100_000_000;

    private final ShmCommunicator comm;

    PeerWait(ShmCommunicator comm) {
        this.comm = comm;
    }

    /** Returns once {@code peer}'s flag at {@code offset} is at least {@code value}. */
    void await(ShmSegment peer, int offset, long value, String what) {
        if (peer.flag(offset) >= value) {
            return;
        }
        for (int i = 0; i < SPINS; i++) {
            Thread.onSpinWait();
            if (peer.flag(offset) >= value) {
                return;
            }
        }
        long start = System.nanoTime();
        while (System.nanoTime() - start < YIELD_NANOS) {
            Thread.yield();
            if (peer.flag(offset) >= value) {
                return;
            }
        }
        long park = MIN_PARK_NANOS;
        long nextCheck = System.nanoTime() + LIVENESS_NANOS;
        while (peer.flag(offset) < value) {
            LockSupport.parkNanos(park);
            park = Math.min(MAX_PARK_NANOS, park * 2);
            long now = System.nanoTime();
            if (now >= nextCheck) {
                nextCheck = now + LIVENESS_NANOS;
                comm.checkAlive(peer, what);
            }
        }
    }

    /** Throws when the peer process has exited or any rank of the group aborted. */
    static void checkPeer(ShmSegment peer, long selfPid, String what) {
        if (peer.flag(ShmSegment.ABORT) != 0) {
            throw new CommunicatorException("shm: local rank " + peer.rank + " aborted during " + what);
        }
        if (peer.pid != selfPid && ProcessHandle.of(peer.pid).map(ProcessHandle::isAlive).orElse(false) == false) {
            throw new CommunicatorException("shm: local rank " + peer.rank + " (pid " + peer.pid
                    + ") exited during " + what);
        }
    }
}
