package org.hvd4j.allreduce.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hvd4j.allreduce.Reduction;

/**
 * The coordinator's bookkeeping, free of threads and sockets so it can be tested alone
 * (Horovod's message table and {@code ConstructResponse}).
 *
 * <p>Requests are matched by tensor name. A name is <em>ready</em> when every rank has submitted
 * it or has joined; it is then checked for consistency across ranks (collective, type, shape,
 * reduction, root, scale factors, location) and becomes a response, or an ERROR response naming the ranks
 * and what they disagree on. Responses come out in the order their names became ready, which is
 * the order every rank executes them in — so ranks may submit in different orders.
 *
 * <p><b>Fusion.</b> {@link #takeResponses} merges ready allreduces of the same type, reduction,
 * scale factors and location (host or device) into one response of at most
 * {@code fusionThreshold} bytes (0 disables fusion), looking past responses that do not fit.
 */
final class Negotiation {
    /** What is known about one name that is not ready yet. */
    static final class Pending {
        final Request[] byRank;
        final long firstSeenNanos;

        Pending(int size, long now) {
            byRank = new Request[size];
            firstSeenNanos = now;
        }
    }

    private final int size;
    private final long fusionThreshold;
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    private final List<Response> ready = new ArrayList<>();
    private final BitSet joined = new BitSet();

    Negotiation(int size, long fusionThreshold) {
        this.size = size;
        this.fusionThreshold = fusionThreshold;
    }

    /** Records {@code r}; a name that becomes ready moves to the ready list. */
    void add(Request r, long nowNanos) {
        if (r.kind() == OpKind.JOIN) {
            join(r.rank());
            return;
        }
        Pending p = pending.computeIfAbsent(r.name(), n -> new Pending(size, nowNanos));
        if (p.byRank[r.rank()] != null) {
            pending.remove(r.name());
            ready.add(Response.message(OpKind.ERROR, List.of(r.name()), "rank " + r.rank() + " submitted '"
                    + r.name() + "' twice before it completed: tensor names must be unique among collectives in flight"));
            return;
        }
        p.byRank[r.rank()] = r;
        if (isComplete(p)) {
            pending.remove(r.name());
            ready.add(respond(r.name(), p));
        }
    }

    private void join(int rank) {
        joined.set(rank);
        for (Iterator<Map.Entry<String, Pending>> it = pending.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Pending> e = it.next();
            if (isComplete(e.getValue())) {
                it.remove();
                ready.add(respond(e.getKey(), e.getValue()));
            }
        }
        if (joined.cardinality() == size) {
            ready.add(new Response(OpKind.JOIN, List.of(), org.hvd4j.tensor.DType.UINT8, Reduction.SUM, 1, 1, -1,
                    new int[0][], new int[0][], null, rank));
            joined.clear();
        }
    }

    private boolean isComplete(Pending p) {
        for (int r = 0; r < size; r++) {
            if (p.byRank[r] == null && !joined.get(r)) {
                return false;
            }
        }
        return true;
    }

    /** Whether some response is waiting to be sent. */
    boolean hasReady() {
        return !ready.isEmpty();
    }

    /** The names some rank submitted that are not ready yet, oldest first. */
    Map<String, Pending> pending() {
        return pending;
    }

    /** Ranks that have joined and not been released yet. */
    BitSet joined() {
        return (BitSet) joined.clone();
    }

    /** The ready responses, fused, in execution order; the ready list is emptied. */
    List<Response> takeResponses() {
        List<Response> out = new ArrayList<>();
        boolean[] used = new boolean[ready.size()];
        for (int i = 0; i < ready.size(); i++) {
            if (used[i]) {
                continue;
            }
            used[i] = true;
            Response first = ready.get(i);
            if (first.kind() != OpKind.ALLREDUCE || fusionThreshold <= 0) {
                out.add(first);
                continue;
            }
            List<String> names = new ArrayList<>(first.names());
            List<int[]> shapes = new ArrayList<>(Arrays.asList(first.shapes()));
            long bytes = bytes(first);
            for (int j = i + 1; j < ready.size(); j++) {
                Response c = ready.get(j);
                if (!used[j] && fusible(first, c) && bytes + bytes(c) <= fusionThreshold) {
                    used[j] = true;
                    names.addAll(c.names());
                    shapes.addAll(Arrays.asList(c.shapes()));
                    bytes += bytes(c);
                }
            }
            out.add(new Response(OpKind.ALLREDUCE, List.copyOf(names), first.dtype(), first.op(), first.prescale(),
                    first.postscale(), -1, shapes.toArray(new int[0][]), new int[0][], null, -1, first.onDevice()));
        }
        ready.clear();
        return out;
    }

    private static boolean fusible(Response a, Response b) {
        return b.kind() == OpKind.ALLREDUCE && a.dtype() == b.dtype() && a.op() == b.op() && a.onDevice() == b.onDevice()
                && Double.compare(a.prescale(), b.prescale()) == 0 && Double.compare(a.postscale(), b.postscale()) == 0;
    }

    private static long bytes(Response r) {
        long b = 0;
        for (int i = 0; i < r.shapes().length; i++) {
            b += (long) r.numel(i) * r.dtype().bytes();
        }
        return b;
    }

    // ---- building one response ---------------------------------------------------------------

    private Response respond(String name, Pending p) {
        Request ref = null;
        int contributors = 0;
        for (Request r : p.byRank) {
            if (r != null) {
                contributors++;
                if (ref == null) {
                    ref = r;
                }
            }
        }
        String error = RequestChecks.mismatch(name, p.byRank, size);
        if (error == null && !joined.isEmpty() && !supportsJoin(ref.kind())) {
            error = ref.kind().label() + " of '" + name + "' is not supported while ranks " + joined
                    + " have joined (only allreduce, reducescatter and barrier are)";
        }
        if (error != null) {
            return Response.message(OpKind.ERROR, List.of(name), error);
        }
        Reduction op = ref.op();
        double post = ref.postscale();
        if (op == Reduction.AVERAGE) {
            op = Reduction.SUM;
            post /= contributors; // joined ranks contribute zeros and are not counted
        }
        int[][] dims = new int[0][];
        if (ref.kind() == OpKind.ALLGATHER) {
            int[] first = new int[size];
            for (int r = 0; r < size; r++) {
                first[r] = p.byRank[r].shape().length == 0 ? 1 : p.byRank[r].shape()[0];
            }
            dims = new int[][] {first};
        } else if (ref.kind() == OpKind.ALLTOALL) {
            dims = new int[size][];
            for (int r = 0; r < size; r++) {
                dims[r] = p.byRank[r].splits();
            }
        }
        return new Response(ref.kind(), List.of(name), ref.dtype(), op, ref.prescale(), post, ref.root(),
                new int[][] {ref.shape()}, dims, null, -1, ref.onDevice());
    }

    private static boolean supportsJoin(OpKind k) {
        return k == OpKind.ALLREDUCE || k == OpKind.REDUCESCATTER || k == OpKind.BARRIER;
    }
}
