package org.hvd4j.allreduce.runtime;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.hvd4j.allreduce.HvdException;
import org.hvd4j.allreduce.comm.Communicator;
import org.hvd4j.allreduce.net.Sockets;
import org.hvd4j.allreduce.rendezvous.RendezvousClient;

/**
 * One rank's side of the runtime (Horovod's background thread). Callers {@link #submit} a
 * request with its payload from any thread: the entry goes into a table keyed by name and the
 * request straight to the coordinator, so negotiation starts while the backward pass goes on.
 * The engine thread receives the coordinator's response lists and executes them in order on the
 * communicator, completing each entry's future.
 *
 * <p>Allreduce and broadcast of CUDA tensors are marked {@link Request#onDevice} here, at
 * submission, and run on the device path ({@code DeviceCollectives}) unless
 * {@code HVD4J_DEVICE_COLLECTIVES=host}.
 *
 * <p>Failure: any error of the communicator or of the control link stops the engine; every entry
 * in flight and every later submission fails with the reason (an {@link HvdException}). The
 * other ranks learn about it from the coordinator, which sees this rank's link close.
 */
public final class Engine implements AutoCloseable {
    private final int rank;
    private final Communicator comm;
    private final ControlLink link;
    private final Timeline timeline;
    private final CollectiveRunner runner;
    private final DeviceCollectives devices;
    private final Map<String, Entry> table = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private final Thread thread;
    private volatile String stopped;
    private volatile InlineExchange inline;

    /**
     * @param kv the rendezvous client, through which the device collectives exchange NCCL's
     *           unique id; null for a single process
     */
    Engine(int rank, Communicator comm, ControlLink link, RuntimeConfig cfg, Timeline timeline, RendezvousClient kv) {
        this.rank = rank;
        this.comm = comm;
        this.link = link;
        this.timeline = timeline;
        this.devices = new DeviceCollectives(cfg.deviceCollectives(), comm, kv, cfg.startTimeout());
        this.runner = new CollectiveRunner(comm, new FusionBuffer(comm, cfg.fusionThresholdBytes()), devices, timeline);
        this.thread = Sockets.daemon(this::run, "hvd4j-engine-" + rank);
        this.thread.start();
    }

    /** Submits {@code request} (its rank field must be this rank's); the future completes when it ran. */
    public CompletableFuture<Outcome> submit(Request request, Payload payload) {
        return submitAll(List.of(request), List.of(payload)).get(0);
    }

    /**
     * Submits several requests in one message to the coordinator: they arrive together, so when
     * the other ranks' arrive too they are ready together and fused into one response (the
     * distributed optimizer's buckets). One message instead of one per tensor also spares the
     * coordinator's threads wake-ups in the middle of the backward pass.
     */
    public List<CompletableFuture<Outcome>> submitAll(List<Request> requests, List<Payload> payloads) {
        List<CompletableFuture<Outcome>> futures = new ArrayList<>(requests.size());
        List<Request> sent = new ArrayList<>(requests.size());
        synchronized (lock) {
            for (int i = 0; i < requests.size(); i++) {
                Request request = requests.get(i);
                request = request.withOnDevice(devices.onDevice(request.kind(), payloads.get(i)));
                CompletableFuture<Outcome> f = new CompletableFuture<>();
                futures.add(f);
                if (stopped != null) {
                    f.completeExceptionally(new HvdException(stopped));
                    continue;
                }
                if (table.putIfAbsent(request.name(), new Entry(request, payloads.get(i), f)) != null) {
                    f.completeExceptionally(new HvdException("rank " + rank + " submitted a second collective named '"
                            + request.name() + "' while the first is in flight: names must be unique until they complete"));
                    continue;
                }
                if (timeline != null) {
                    timeline.begin(request.name(), "NEGOTIATE_" + request.kind().name());
                }
                sent.add(request);
            }
            if (!sent.isEmpty()) {
                try {
                    link.send(Messages.encodeRequests(new Messages.RequestList(rank, sent, false)));
                } catch (IOException ex) {
                    stop("lost the control connection to the coordinator (rank 0): " + ex.getMessage(), true);
                }
            }
        }
        return futures;
    }

    /** Aborts {@code x} too when this engine aborts, so that a training thread waiting in it fails as well. */
    void abortWith(InlineExchange x) {
        this.inline = x;
    }

    /** Asks every rank to stop once what is already ready has run (Horovod's {@code shutdown}). */
    public void requestShutdown() {
        synchronized (lock) {
            if (stopped != null) {
                return;
            }
            try {
                link.send(Messages.encodeRequests(new Messages.RequestList(rank, List.of(), true)));
            } catch (IOException e) {
                stop("shut down (the coordinator was already gone)", false);
            }
        }
    }

    /** Waits until the engine thread has ended (after a SHUTDOWN or ABORT response, or a failure). */
    public void awaitStop(long millis) throws InterruptedException {
        thread.join(millis);
    }
    private void run() {
        try {
            while (stopped == null) {
                List<Response> list = Messages.decodeResponses(link.receive());
                if (timeline != null) {
                    // every rank is ready: negotiation is over; what follows is the wait for the
                    // responses ahead of this one to finish on this rank
                    for (Response r : list) {
                        for (String n : r.names()) {
                            if (table.containsKey(n)) {
                                timeline.end(n);
                                timeline.begin(n, "WAIT_FOR_EXECUTION");
                            }
                        }
                    }
                }
                for (Response r : list) {
                    if (!execute(r)) {
                        return;
                    }
                }
            }
        } catch (IOException e) {
            stop("lost the control connection to the coordinator (rank 0): " + e.getMessage()
                    + "; rank 0 probably failed: look at its output for the first error", true);
        } catch (RuntimeException | Error e) {
            // an Error too (a native library that fails to link, an assertion): else the thread
            // would end silently and every handle in flight would wait forever
            System.getLogger("org.hvd4j.allreduce").log(System.Logger.Level.ERROR, "the engine of rank " + rank
                    + " failed", e);
            stop("the engine of rank " + rank + " failed: " + e, true);
        }
    }

    /** Runs one response; false when the engine must stop. */
    private boolean execute(Response r) {
        switch (r.kind()) {
            case SHUTDOWN -> {
                stop(r.message(), false);
                return false;
            }
            case ABORT -> {
                stop(r.message(), true);
                return false;
            }
            case ERROR -> {
                for (String n : r.names()) {
                    Entry e = take(n);
                    if (e != null) {
                        e.future().completeExceptionally(new HvdException(r.message()));
                    }
                }
                return true;
            }
            case JOIN -> {
                Entry e = take(Hvd4jNames.JOIN);
                if (e != null) {
                    e.future().complete(new Outcome(null, null, null, r.lastJoined()));
                }
                return true;
            }
            default -> {
                Entry[] entries = new Entry[r.names().size()];
                for (int i = 0; i < entries.length; i++) {
                    entries[i] = take(r.names().get(i));
                    if (entries[i] == null && !table.containsKey(Hvd4jNames.JOIN)) {
                        stop("rank " + rank + " was told to run " + r.kind().label() + " of '" + r.names().get(i)
                                + "', which it never submitted (internal error: please report it)", true);
                        return false;
                    }
                }
                try {
                    Outcome[] out = runner.run(r, entries);
                    for (int i = 0; i < entries.length; i++) {
                        if (entries[i] != null) {
                            entries[i].future().complete(out[i]);
                        }
                    }
                } catch (RuntimeException | Error e) {
                    // any failure (a CUDA error of the device path too): the entries taken above are no
                    // longer in the table, so they are failed here, or their handles would wait forever
                    HvdException failure = new HvdException(r.kind().label() + " of " + r.names() + " failed on rank " + rank
                            + ": " + e.getMessage(), e);
                    for (Entry en : entries) {
                        if (en != null) {
                            en.future().completeExceptionally(failure);
                        }
                    }
                    stop(failure.getMessage(), true);
                    return false;
                }
                return true;
            }
        }
    }

    private Entry take(String name) {
        Entry e = table.remove(name);
        if (e != null && timeline != null) {
            timeline.end(name);
        }
        return e;
    }

    /** Stops: fails what is in flight and refuses what comes; {@code abort} also breaks the communicator. */
    private void stop(String reason, boolean abort) {
        List<Entry> left;
        synchronized (lock) {
            if (stopped != null) {
                return;
            }
            stopped = reason == null ? "stopped" : reason;
            left = new ArrayList<>(table.values());
            table.clear();
        }
        if (abort) {
            devices.abort(stopped);
            comm.abort(stopped);
            InlineExchange x = inline;
            if (x != null) {
                x.abort(stopped);
            }
        }
        for (Entry e : left) {
            e.future().completeExceptionally(new HvdException(stopped));
        }
        link.close();
    }

    /**
     * How allreduce and broadcast of CUDA tensors run: {@code host}, {@code nccl},
     * {@code staged(shm)}, ... or, before the first of them, {@code auto (not started)}.
     */
    public String deviceCollectives() {
        return devices.describe();
    }

    /** Collectives this rank has run on the device path so far. */
    public long deviceCollectivesRun() {
        return devices.executed();
    }

    @Override
    public void close() {
        stop("Horovod has been shut down on rank " + rank, false);
        thread.interrupt();
        try {
            if (Thread.currentThread() != thread) {
                thread.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            devices.abort("Horovod has been shut down on rank " + rank); // the engine is stuck in a collective
        }
        devices.close();
    }
}
