package org.hvd4j.allreduce.runtime;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.List;
import org.hvd4j.allreduce.net.Sockets;

/**
 * Rank 0's negotiation service (Horovod's controller): collects every rank's requests, decides
 * what is ready, fuses it, and sends the same response list to every rank. It also watches for
 * stalls and for ranks that disappear.
 *
 * <p><b>When to send.</b> As soon as something is ready and no other name is half-submitted
 * (nothing to wait for: a lone synchronous collective goes out at once); otherwise once the
 * oldest ready response has waited a cycle time, so that gradients which become ready in a burst
 * during the backward pass are collected into one fused response.
 *
 * <p><b>Threads.</b> One reader per rank blocks on its link and processes what arrives itself,
 * under the coordinator's lock — the request that completes a name sends the response from that
 * same thread, with no hand-off. A timer thread sends responses held back for the cycle time and
 * runs the stall inspector. A rank whose link breaks before it asked to shut down has died: every
 * other rank gets an ABORT naming it, so nobody waits for it forever.
 */
final class Coordinator implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("org.hvd4j.allreduce");

    private final int size;
    private final ControlLink[] links;
    private final String[] rankNames;
    private final long cycleNanos;
    private final StallInspector stalls;
    private final Negotiation table;
    private final Object lock = new Object();
    private final Thread timer;
    private long readySince;
    private volatile boolean finished;

    /**
     * @param links     the coordinator's end of every rank's control link, by rank
     * @param rankNames how to name each rank in messages ("rank 3 (hostB, 10.0.0.2:4711)")
     */
    Coordinator(ControlLink[] links, String[] rankNames, RuntimeConfig cfg) {
        this.size = links.length;
        this.links = links;
        this.rankNames = rankNames;
        this.cycleNanos = Math.max(0, (long) (cfg.cycleTimeMs() * 1e6));
        this.table = new Negotiation(size, cfg.fusionThresholdBytes());
        this.stalls = new StallInspector(cfg.stallWarnSeconds(), cfg.stallShutdownSeconds(), rankNames);
        for (int r = 0; r < size; r++) {
            int rank = r;
            Sockets.daemon(() -> read(rank), "hvd4j-coordinator-read-" + r).start();
        }
        timer = Sockets.daemon(this::tick, "hvd4j-coordinator");
        timer.start();
    }

    private void read(int rank) {
        try {
            while (!finished) {
                Messages.RequestList list = Messages.decodeRequests(links[rank].receive());
                synchronized (lock) {
                    handle(list);
                    sendIfDue(System.nanoTime());
                    lock.notifyAll();
                }
            }
        } catch (IOException e) {
            synchronized (lock) {
                finish(Response.message(OpKind.ABORT, List.of(), rankNames[rank] + " disconnected without shutting down "
                        + "(it probably crashed: look at its output for the first error)"));
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "coordinator failed", e);
            synchronized (lock) {
                finish(Response.message(OpKind.ABORT, List.of(), "the coordinator on rank 0 failed: " + e));
            }
        }
    }

    /** Sends what the cycle time held back, and inspects stalls. */
    private void tick() {
        synchronized (lock) {
            while (!finished) {
                long now = System.nanoTime();
                long wait = table.hasReady() ? Math.max(1, readySince + cycleNanos - now) : stalls.checkIntervalNanos();
                try {
                    lock.wait(wait / 1_000_000, (int) (wait % 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
                now = System.nanoTime();
                sendIfDue(now);
                String fatal = finished ? null : stalls.check(table, now);
                if (fatal != null) {
                    finish(Response.message(OpKind.ABORT, List.of(), fatal));
                }
            }
        }
    }

    private void handle(Messages.RequestList list) {
        if (finished) {
            return;
        }
        boolean wasReady = table.hasReady();
        long now = System.nanoTime();
        for (Request r : list.requests()) {
            table.add(r, now);
        }
        if (!wasReady && table.hasReady()) {
            readySince = now;
        }
        if (list.shutdown()) {
            // what is ready still runs; then every rank stops (Horovod: one rank's shutdown ends the job)
            if (table.hasReady()) {
                broadcast(table.takeResponses());
            }
            finish(Response.message(OpKind.SHUTDOWN, List.of(), "Horovod has been shut down: " + rankNames[list.rank()]
                    + " called shutdown(); a collective submitted after that cannot complete"));
        }
    }

    private void sendIfDue(long now) {
        if (!finished && table.hasReady() && (table.pending().isEmpty() || now - readySince >= cycleNanos)) {
            broadcast(table.takeResponses());
        }
    }

    private void broadcast(List<Response> responses) {
        byte[] frame = Messages.encodeResponses(responses);
        for (int r = 0; r < size; r++) {
            try {
                links[r].send(frame);
            } catch (IOException e) {
                finish(Response.message(OpKind.ABORT, List.of(), "lost the control connection to " + rankNames[r] + ": "
                        + e.getMessage()));
                return;
            }
        }
    }

    /** Sends a last SHUTDOWN or ABORT to every rank still reachable and stops (call under the lock). */
    private void finish(Response last) {
        if (finished) {
            return;
        }
        finished = true;
        if (last.kind() == OpKind.ABORT) {
            LOG.log(Level.ERROR, "hvd4j: aborting the job: " + last.message());
        }
        byte[] frame = Messages.encodeResponses(List.of(last));
        for (ControlLink l : links) {
            try {
                l.send(frame);
            } catch (IOException ignored) {
                // that rank is gone already
            }
        }
        lock.notifyAll();
    }

    @Override
    public void close() {
        synchronized (lock) {
            finished = true;
            lock.notifyAll();
        }
        for (ControlLink l : links) {
            l.close();
        }
    }
}
