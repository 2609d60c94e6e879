package org.hvd4j.allreduce.runtime;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Rank 0's negotiation service (Horovod's controller): collects every rank's requests, decides
 * what is ready, fuses it, and sends the same response list to every rank, at most once per cycle
 * time. It also watches for stalls and for ranks that disappear.
 *
 * <p>Threads: one reader per rank feeds a queue; one loop owns the {@link Negotiation} and writes
 * the responses. A rank whose connection breaks before it asked to shut down has died: every other
 * rank gets an ABORT naming it, so that nobody waits for it forever.
 */
final class Coordinator implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("org.hvd4j.allreduce");

    /** What reaches the loop: a rank's requests, or the news that its link broke. */
    private record Inbound(int rank, Messages.RequestList list, IOException broken) {
    }

    private final int size;
    private final ControlLink[] links;
    private final String[] rankNames;
    private final long cycleNanos;
    private final StallInspector stalls;
    private final Negotiation table;
    private final BlockingQueue<Inbound> inbox = new LinkedBlockingQueue<>();
    private final Thread loop;
    private volatile boolean finished;

    /**
     * @param links     the coordinator's end of every rank's control link, by rank
     * @param rankNames how to name each rank in messages ("rank 3 on hostB")
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
            Thread t = new Thread(() -> read(rank), "hvd4j-coordinator-read-" + r);
            t.setDaemon(true);
            t.start();
        }
        loop = new Thread(this::run, "hvd4j-coordinator");
        loop.setDaemon(true);
        loop.start();
    }

    private void read(int rank) {
        try {
            while (!finished) {
                inbox.add(new Inbound(rank, Messages.decodeRequests(links[rank].receive()), null));
            }
        } catch (IOException e) {
            inbox.add(new Inbound(rank, null, e));
        }
    }

    /**
     * When to send: as soon as something is ready and no other name is half-submitted (nothing
     * to wait for: a lone synchronous collective goes out at once), otherwise once the oldest
     * ready response has waited a cycle time — gradients that become ready in a burst during
     * the backward pass are collected into one fused response.
     */
    private void run() {
        long readySince = 0;
        boolean wasReady = false;
        try {
            while (!finished) {
                long now = System.nanoTime();
                long wait = table.hasReady() ? Math.max(0, readySince + cycleNanos - now) : stalls.checkIntervalNanos();
                Inbound in = table.hasReady() && table.pending().isEmpty() ? inbox.poll()
                        : inbox.poll(wait, TimeUnit.NANOSECONDS);
                while (in != null && !finished) {
                    handle(in);
                    if (table.hasReady() && !wasReady) {
                        readySince = System.nanoTime();
                        wasReady = true;
                    }
                    in = inbox.poll();
                }
                now = System.nanoTime();
                if (!finished && table.hasReady()
                        && (table.pending().isEmpty() || now - readySince >= cycleNanos)) {
                    broadcast(table.takeResponses());
                    wasReady = false;
                }
                if (!finished) {
                    String fatal = stalls.check(table, now);
                    if (fatal != null) {
                        finish(Response.message(OpKind.ABORT, List.of(), fatal));
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "coordinator failed", e);
            finish(Response.message(OpKind.ABORT, List.of(), "the coordinator on rank 0 failed: " + e));
        }
    }

    private void handle(Inbound in) {
        if (in.broken() != null) {
            finish(Response.message(OpKind.ABORT, List.of(), rankNames[in.rank()] + " disconnected without shutting down "
                    + "(it probably crashed: look at its output for the first error)"));
            return;
        }
        long now = System.nanoTime();
        for (Request r : in.list().requests()) {
            table.add(r, now);
        }
        if (in.list().shutdown()) {
            // what is ready still runs; then every rank stops (Horovod: one rank's shutdown ends the job)
            if (table.hasReady()) {
                broadcast(table.takeResponses());
            }
            finish(Response.message(OpKind.SHUTDOWN, List.of(), "Horovod has been shut down: " + rankNames[in.rank()]
                    + " called shutdown(); a collective submitted after that cannot complete"));
        }
    }

    private void broadcast(List<Response> responses) {
        byte[] frame = Messages.encodeResponses(responses);
        for (int r = 0; r < size; r++) {
            try {
                links[r].send(frame);
            } catch (IOException e) {
                if (!finished) {
                    finish(Response.message(OpKind.ABORT, List.of(), "lost the control connection to " + rankNames[r]
                            + ": " + e.getMessage()));
                }
                return;
            }
        }
    }

    /** Sends a last SHUTDOWN or ABORT to every rank still reachable and stops. */
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
    }

    boolean isFinished() {
        return finished;
    }

    @Override
    public void close() {
        finished = true;
        loop.interrupt();
        for (ControlLink l : links) {
            l.close();
        }
    }
}
