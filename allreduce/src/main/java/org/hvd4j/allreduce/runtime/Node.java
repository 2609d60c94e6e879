package org.hvd4j.allreduce.runtime;

import java.util.ArrayList;
import java.util.List;
import org.hvd4j.allreduce.RankInfo;
import org.hvd4j.allreduce.comm.Communicator;

/**
 * A started rank: its resolved placement, its communicator and engine, and (on rank 0) the
 * coordinator — plus the sockets and servers behind them, closed together.
 */
public final class Node implements AutoCloseable {
    private final RankInfo placement;
    private final Communicator comm;
    private final Engine engine;
    private final InlineExchange inline;
    private final List<AutoCloseable> resources;

    Node(RankInfo placement, Communicator comm, Engine engine, List<AutoCloseable> resources) {
        this(placement, comm, engine, null, resources);
    }

    Node(RankInfo placement, Communicator comm, Engine engine, InlineExchange inline, List<AutoCloseable> resources) {
        this.placement = placement;
        this.comm = comm;
        this.engine = engine;
        this.inline = inline;
        this.resources = new ArrayList<>(resources);
    }

    /** Rank, size and the local/cross placement worked out at start-up. */
    public RankInfo placement() {
        return placement;
    }

    public Engine engine() {
        return engine;
    }

    /** The training thread's own exchange channel ({@code HVD4J_INLINE_EXCHANGE}), or null when off. */
    public InlineExchange inlineExchange() {
        return inline;
    }

    /**
     * The data plane itself, for benchmarks and transport tests: its collectives bypass
     * negotiation, so every rank must call the same ones in the same order.
     */
    public Communicator communicator() {
        return comm;
    }

    /** The transport's name ({@code shm}, {@code tcp}, {@code hierarchical(shm+tcp)}, {@code solo}). */
    public String transport() {
        return comm.name();
    }

    /** Asks every rank to stop, waits up to {@code millis} for this engine to finish, then closes. */
    public void shutdown(long millis) {
        engine.requestShutdown();
        try {
            engine.awaitStop(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    @Override
    public void close() {
        if (inline != null) {
            // a rank (or, in tests, a thread) that leaves must not leave the others waiting in an
            // exchange it will never join: they fail with this instead
            inline.abort("rank " + placement.rank() + " has shut down");
        }
        engine.close();
        if (inline != null) {
            inline.close();
        }
        comm.close();
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception ignored) {
                // closing is best effort; the process is leaving the job
            }
        }
        resources.clear();
    }
}
