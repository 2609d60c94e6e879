package org.hvd4j.allreduce.runtime;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.hvd4j.allreduce.comm.Communicator;
import org.hvd4j.allreduce.comm.CommunicatorException;
import org.hvd4j.allreduce.comm.DeviceCommunicator;
import org.hvd4j.allreduce.comm.HierarchicalCommunicator;
import org.hvd4j.allreduce.comm.HierarchicalDeviceCommunicator;
import org.hvd4j.allreduce.comm.SmallAllgathers;
import org.hvd4j.allreduce.comm.SoloCommunicator;
import org.hvd4j.allreduce.comm.StagedDeviceCommunicator;
import org.hvd4j.allreduce.nccl.NcclCommunicator;
import org.hvd4j.allreduce.rendezvous.RendezvousClient;
import org.hvd4j.cuda.CudaException;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cuda.CudaBackend;
import org.hvd4j.tensor.cuda.DeviceFusion;

/**
 * The device path of the runtime: allreduce and broadcast of CUDA tensors without leaving the
 * device, on a {@link DeviceCommunicator} and a communication stream of their own.
 *
 * <p><b>Which requests.</b> An allreduce or broadcast whose payload is a tensor of a {@link
 * CudaBackend} is marked {@link Request#onDevice} (unless {@code HVD4J_DEVICE_COLLECTIVES=host});
 * the coordinator rejects a name on which ranks disagree and carries the mark in the response,
 * which every rank — a joined one too — follows. {@link #handles} is a function of the response
 * alone, so every rank takes the same path. Allgather, reducescatter and alltoall of CUDA tensors
 * stay on the host path (each tensor copied to the host), as do float16/bfloat16/float64 allreduces
 * with scale factors (the device pack kernels scale float32 only).
 *
 * <p><b>One allreduce</b> ({@link #allreduce}): the communication stream waits for an event
 * recorded on the compute stream (it covers the kernels that produced the gradients, enqueued
 * before their hooks fired); the tensors are packed into the device fusion buffer with the
 * prescale applied by the pack kernel (a single tensor is reduced where it lies, scaled in place),
 * in the host fusion buffer's piece layout; the device communicator reduces it; the unpack kernel
 * applies the postscale; and the engine thread — not the training thread — waits for the stream
 * before the handles complete, so the optimizer's kernels enqueued afterwards see the result.
 * With the staged communicator the bits are exactly the host path's (same pieces, same host
 * transport, float32 scaling as {@code x * (float) s} on both sides).
 *
 * <p><b>Which communicator</b> is decided at the first device response, which every rank reaches
 * at the same point of the response order: the ranks exchange, over the host communicator, what
 * each can do and was asked to do; NCCL when every rank's backend runs on the real driver and
 * NCCL is available (its unique id through the rendezvous), else the staged communicator (device
 * memory copied through pinned host memory to the host transport; with a single rank, where it is
 * the identity and copies nothing). {@code nccl} or {@code staged} force one; {@code nccl} where some rank cannot use it is an error on every rank naming them.
 * {@code hierarchical} (never chosen by {@code auto}) runs a {@link HierarchicalDeviceCommunicator}:
 * within each host NCCL (its own unique id per host, key {@code nccl/local/<host index>}) when
 * every rank can use NCCL, else staged over the host's local communicator (shared memory); across
 * hosts staged over the cross TCP rings — the local and cross groups of the {@link
 * HierarchicalCommunicator} host transport, so it needs that transport (the same number of ranks
 * on every host, numbered host by host), or a job on one host (no cross step); anything else is
 * an error on every rank. Rank 0 prints the choice once.
 *
 * <p><b>Backend.</b> The path learns the process's {@link CudaBackend} from the first CUDA tensor
 * submitted. A rank that has joined contributes zeros from the device fusion buffer; one that
 * joined before it ever submitted a CUDA tensor has no device memory to use and takes part
 * through the host (zeros in the same host collective the staged communicator runs) — which is
 * why such a rank, when it exists at the first device response, makes every rank choose the
 * staged communicator under {@code auto}, and fails a forced {@code nccl} with a clear error.
 */
final class DeviceCollectives implements AutoCloseable {
    enum Mode { AUTO, NCCL, STAGED, HOST, HIERARCHICAL }

    private final Mode mode;
    private final Communicator host;
    private final RendezvousClient kv;
    private final Duration timeout;
    private final AtomicLong executed = new AtomicLong();
    private volatile CudaBackend backend;
    private volatile DeviceCommunicator comm;
    private volatile String chosen; // null until decided: "nccl", "staged" or "hierarchical"
    private volatile String chosenName; // what the communicator will be called, once decided
    private boolean localNccl; // hierarchical: NCCL within the host
    private Communicator localHost; // hierarchical: the host transport's groups
    private Communicator crossHost;
    private volatile String aborted;
    private DeviceFusion fusion;
    private boolean closed;

    /**
     * @param kv      the rendezvous client (the NCCL unique id travels through it); null for a
     *                single process
     * @param timeout how long NCCL may take to start, and to finish one collective
     */
    DeviceCollectives(String mode, Communicator host, RendezvousClient kv, Duration timeout) {
        this.mode = Mode.valueOf(mode.toUpperCase(Locale.ROOT));
        this.host = host;
        this.kv = kv;
        this.timeout = timeout;
    }

    /**
     * Whether a request of {@code kind} on {@code p} takes the device path ({@link Request#onDevice});
     * remembers the payload's backend. Called from the submitting thread.
     */
    boolean onDevice(OpKind kind, Payload p) {
        if (mode == Mode.HOST || (kind != OpKind.ALLREDUCE && kind != OpKind.BROADCAST)) {
            return false;
        }
        Tensor t = p == null ? null : p.tensor();
        if (t == null || !(t.backend() instanceof CudaBackend cuda)) {
            return false;
        }
        if (backend == null) {
            synchronized (this) {
                if (backend == null) {
                    backend = cuda;
                }
            }
        }
        return true;
    }

    /** Whether {@code r} runs here: a function of the response alone, hence the same on every rank. */
    static boolean handles(Response r) {
        if (!r.onDevice()) {
            return false;
        }
        return switch (r.kind()) {
            case ALLREDUCE -> r.dtype() == DType.FLOAT32 || (r.prescale() == 1.0 && r.postscale() == 1.0);
            case BROADCAST -> true;
            default -> false;
        };
    }

    /** Device collectives run so far on this rank (tests and diagnostics). */
    long executed() {
        return executed.get();
    }

    /** {@code host}, {@code nccl}, {@code staged(shm)}, or what {@code auto} will decide at the first device collective. */
    String describe() {
        if (mode == Mode.HOST) {
            return "host";
        }
        DeviceCommunicator c = comm;
        if (c != null) {
            return c.name();
        }
        String ch = chosenName;
        return ch != null ? ch : mode.name().toLowerCase(Locale.ROOT) + " (not started)";
    }

    // ---- allreduce and broadcast ----------------------------------------------------------------

    /** Runs the allreduce {@code r} ({@link #handles} is true); {@code ps[i]} null: this rank joined. */
    void allreduce(Response r, Payload[] ps) {
        int n = ps.length;
        int size = host.size();
        int[] numels = new int[n];
        for (int i = 0; i < n; i++) {
            numels[i] = r.numel(i);
        }
        int[][] layout = FusionBuffer.layout(numels, size);
        int[] fused = FusionBuffer.fusedPieces(layout, size);
        CudaBackend be = backendOf(ps);
        decide(be);
        if (be == null) {
            // joined before this rank ever had a CUDA tensor: the staged communicator's host collectives, on zeros
            if (chosen.equals("hierarchical")) {
                HierarchicalDeviceCommunicator.allreduceHostZeros(localHost, crossHost, fused, r.dtype(), r.op());
            } else {
                StagedDeviceCommunicator.allreduceHostZeros(host, fused, r.dtype(), r.op());
            }
            executed.incrementAndGet();
            return;
        }
        DeviceCommunicator c = open(be);
        DeviceFusion f = fusion;
        long stream = f.stream();
        float pre = (float) r.prescale();
        float post = (float) r.postscale();
        f.waitForCompute();
        if (n == 1 && ps[0] != null) {
            long a = be.address(ps[0].tensor());
            f.scale(a, numels[0], pre);
            c.allreduce(a, fused, r.dtype(), r.op(), stream);
            f.scale(a, numels[0], post);
        } else {
            Tensor[] ts = new Tensor[n];
            for (int i = 0; i < n; i++) {
                ts[i] = ps[i] == null ? null : ps[i].tensor();
            }
            DeviceFusion.Plan plan = f.plan(ts, layout, r.dtype());
            plan.pack(pre);
            c.allreduce(plan.address(), fused, r.dtype(), r.op(), stream);
            plan.unpack(post);
        }
        c.synchronize(stream);
        executed.incrementAndGet();
    }

    /** Runs the broadcast {@code r} of {@code p} in place. */
    void broadcast(Response r, Payload p) {
        CudaBackend be = backendOf(new Payload[] {p});
        decide(be);
        if (be == null) {
            throw new IllegalStateException("broadcast of " + r.names() + " on the device, but this rank has no CUDA tensor");
        }
        DeviceCommunicator c = open(be);
        long stream = fusion.stream();
        fusion.waitForCompute();
        c.broadcast(be.address(p.tensor()), r.numel(0), r.dtype(), r.root(), stream);
        c.synchronize(stream);
        executed.incrementAndGet();
    }

    /** The backend of the payloads (all on one), else the one learned earlier, else null. */
    private CudaBackend backendOf(Payload[] ps) {
        CudaBackend be = null;
        for (Payload p : ps) {
            Tensor t = p == null ? null : p.tensor();
            if (t == null) {
                continue;
            }
            if (!(t.backend() instanceof CudaBackend cuda)) {
                throw new IllegalStateException(t.describe() + " is not a CUDA tensor, but its collective runs on the device");
            }
            if (be != null && cuda != be) {
                throw new IllegalStateException("the device collectives of one rank need all its CUDA tensors on one "
                        + "backend; " + t.describe() + " is on " + cuda + ", another on " + be);
            }
            be = cuda;
        }
        CudaBackend learned = backend;
        if (be != null && learned != null && be != learned) {
            throw new IllegalStateException("the device collectives of one rank need all its CUDA tensors on one backend: "
                    + be + " and " + learned);
        }
        return be != null ? be : learned;
    }

    // ---- choosing and opening the communicator ------------------------------------------------------

    /** Decides, together with every other rank, between NCCL and the staged communicator (once). */
    private void decide(CudaBackend be) {
        if (chosen != null) {
            return;
        }
        String why = null;
        boolean able = false;
        if (be == null) {
            why = "rank " + host.rank() + " had no CUDA tensor yet (it joined first)";
        } else if (!be.driver().name().equals("cuda")) {
            why = "the CUDA driver is " + be.driver().name();
        } else {
            able = NcclCommunicator.isAvailable();
            if (!able) {
                why = "NCCL is unavailable on rank " + host.rank() + ": " + NcclCommunicator.unavailableReason();
            }
        }
        // host-mode ranks only get here joined
        int wish = mode == Mode.NCCL ? 1 : mode == Mode.STAGED ? 2 : mode == Mode.HIERARCHICAL ? 3 : 0;
        Choice c = choose(exchange((able ? 1 : 0) | wish << 1), why);
        String name;
        if (c.hierarchical()) {
            groups();
            localNccl = c.nccl();
            name = HierarchicalDeviceCommunicator.name(c.nccl() ? "nccl" : "staged(" + localHost.name() + ")",
                    "staged(" + crossHost.name() + ")");
        } else {
            name = c.nccl() ? "nccl" : "staged(" + host.name() + ")";
        }
        chosenName = name;
        chosen = c.hierarchical() ? "hierarchical" : c.nccl() ? "nccl" : "staged";
        if (host.rank() == 0) {
            System.err.println("hvd4j: device collectives: allreduce and broadcast of CUDA tensors run on the device "
                    + "through " + name + " (HVD4J_DEVICE_COLLECTIVES=" + mode.name().toLowerCase(Locale.ROOT) + c.note()
                    + ")");
        }
    }

    /**
     * The local and cross host groups of {@code hierarchical}: those of the hierarchical host
     * transport, or (all ranks on one host) the host communicator and no cross step. The same
     * outcome on every rank, since the transport is a function of the job's placement.
     */
    private void groups() {
        if (host instanceof HierarchicalCommunicator hc) {
            localHost = hc.local();
            crossHost = hc.cross();
        } else if (host.size() == 1 || host.name().equals("shm")) {
            localHost = host;
            crossHost = new SoloCommunicator();
        } else {
            throw new IllegalStateException("HVD4J_DEVICE_COLLECTIVES=hierarchical needs the hierarchical host transport "
                    + "(the same number of ranks on every host, numbered host by host, and HVD4J_TRANSPORT=auto or "
                    + "hierarchical), but this job's host transport is " + host.name() + " over " + host.size()
                    + " ranks; use staged, or lay the ranks out host by host with equal numbers per host");
        }
    }

    /**
     * What {@link #choose} decided: NCCL or staged — with {@code hierarchical}, NCCL or staged
     * within the host — and a note for the log line.
     */
    record Choice(boolean nccl, boolean hierarchical, String note) {
        Choice(boolean nccl, String note) {
            this(nccl, false, note);
        }
    }

    /**
     * The decision from every rank's code (bit 0: can use NCCL; bits 1-2: 1 wants nccl, 2 wants
     * staged, 3 wants hierarchical, 0 no preference), identical on every rank since every rank
     * has the same codes. Hierarchical uses NCCL within the hosts when every rank can.
     *
     * @param why why this rank cannot use NCCL, or null
     * @throws IllegalStateException when ranks ask for different communicators, or for NCCL where
     *         some rank cannot use it (naming them)
     */
    static Choice choose(int[] codes, String why) {
        List<Integer> unable = new ArrayList<>();
        List<Integer> wantNccl = new ArrayList<>();
        List<Integer> wantStaged = new ArrayList<>();
        List<Integer> wantHier = new ArrayList<>();
        for (int j = 0; j < codes.length; j++) {
            if ((codes[j] & 1) == 0) {
                unable.add(j);
            }
            if (codes[j] >> 1 == 1) {
                wantNccl.add(j);
            } else if (codes[j] >> 1 == 2) {
                wantStaged.add(j);
            } else if (codes[j] >> 1 == 3) {
                wantHier.add(j);
            }
        }
        int forced = (wantNccl.isEmpty() ? 0 : 1) + (wantStaged.isEmpty() ? 0 : 1) + (wantHier.isEmpty() ? 0 : 1);
        if (forced > 1) {
            List<String> parts = new ArrayList<>();
            if (!wantNccl.isEmpty()) {
                parts.add("nccl on ranks " + wantNccl);
            }
            if (!wantStaged.isEmpty()) {
                parts.add("staged on ranks " + wantStaged);
            }
            if (!wantHier.isEmpty()) {
                parts.add("hierarchical on ranks " + wantHier);
            }
            throw new IllegalStateException("HVD4J_DEVICE_COLLECTIVES differs between ranks: " + String.join(", ", parts)
                    + "; set it alike on every rank");
        }
        if (!wantHier.isEmpty()) {
            return unable.isEmpty() ? new Choice(true, true, "")
                    : new Choice(false, true, "; NCCL not used within hosts: " + (unable.contains(0) && why != null ? why
                    : "ranks " + unable + " cannot use it"));
        }
        if (!wantNccl.isEmpty() && !unable.isEmpty()) {
            throw new IllegalStateException("HVD4J_DEVICE_COLLECTIVES=nccl, but ranks " + unable + " cannot use NCCL"
                    + (why != null ? " (here: " + why + ")" : "") + "; use auto or staged, or run every rank on a GPU "
                    + "with NCCL");
        }
        if (!wantNccl.isEmpty() || !wantStaged.isEmpty()) {
            return new Choice(wantStaged.isEmpty(), "");
        }
        if (!unable.isEmpty()) {
            return new Choice(false, "; NCCL not used: " + (unable.contains(0) && why != null ? why
                    : "ranks " + unable + " cannot use it"));
        }
        // one rank has nothing to exchange: staged is then the identity (no copies), NCCL only when asked for
        return codes.length > 1 ? new Choice(true, "") : new Choice(false, "; one rank");
    }

    /** Every rank's code, by rank (one small host allgather, at the same point of the response order on every rank). */
    private int[] exchange(int mine) {
        return SmallAllgathers.ints(host, mine);
    }

    /** The communicator and the fusion stream on {@code be}, created on first use. */
    private synchronized DeviceCommunicator open(CudaBackend be) {
        if (aborted != null) {
            throw new CommunicatorException(aborted);
        }
        if (closed) {
            throw new CommunicatorException("the device collectives are closed");
        }
        if (fusion == null) {
            fusion = new DeviceFusion(be);
        }
        if (comm == null) {
            comm = switch (chosen) {
                case "nccl" -> nccl(be);
                case "hierarchical" -> new HierarchicalDeviceCommunicator(localNccl ? localNccl(be)
                        : new StagedDeviceCommunicator(be.driver(), localHost), new StagedDeviceCommunicator(be.driver(), crossHost));
                default -> new StagedDeviceCommunicator(be.driver(), host);
            };
        }
        return comm;
    }

    private DeviceCommunicator nccl(CudaBackend be) {
        int ordinal = be.driver().device().ordinal();
        try {
            if (kv == null) {
                return NcclCommunicator.create(0, 1, ordinal, NcclCommunicator.newUniqueId(), timeout);
            }
            return NcclCommunicator.create(host.rank(), host.size(), ordinal, kv, NcclCommunicator.DEFAULT_KEY, timeout);
        } catch (IOException | CudaException e) {
            throw new CommunicatorException("rank " + host.rank() + ": starting NCCL for the device collectives failed: "
                    + e.getMessage(), e);
        }
    }

    /** NCCL among the ranks of this host, with the host's own unique id ({@code nccl/local/<host index>}). */
    private DeviceCommunicator localNccl(CudaBackend be) {
        int ordinal = be.driver().device().ordinal();
        try {
            if (kv == null) {
                return NcclCommunicator.create(0, 1, ordinal, NcclCommunicator.newUniqueId(), timeout);
            }
            return NcclCommunicator.create(localHost.rank(), localHost.size(), ordinal, kv,
                    "nccl/local/" + crossHost.rank(), timeout);
        } catch (IOException | CudaException e) {
            throw new CommunicatorException("rank " + host.rank() + ": starting NCCL within the host for the hierarchical "
                    + "device collectives failed: " + e.getMessage(), e);
        }
    }

    // ---- shutting down --------------------------------------------------------------------------------

    /** Makes the device communicator's blocked and later calls fail (any thread). */
    void abort(String reason) {
        aborted = reason == null ? "aborted" : reason;
        DeviceCommunicator c = comm;
        if (c != null) {
            c.abort(aborted);
        }
    }

    /** Closes the communicator and the fusion stream (after the engine thread has ended); best effort. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        DeviceCommunicator c = comm;
        comm = null;
        try {
            if (c != null) {
                if (aborted != null) {
                    c.abort(aborted);
                } else {
                    c.close();
                }
            }
        } catch (RuntimeException e) {
            // leaving the job: nothing more to do about it
        } finally {
            if (fusion != null) {
                fusion.close();
                fusion = null;
            }
        }
    }
}
