package org.hvd4j.allreduce.runtime;

import java.util.Arrays;
import java.util.function.Function;

/**
 * Consistency of one name's requests across ranks. Each message names the tensor, the ranks and
 * what they disagree on, because the usual cause is rank-dependent code and the user has to find
 * which branch differs.
 */
final class RequestChecks {
    private RequestChecks() {
    }

    /** The first disagreement among the non-null requests, or null when they are consistent. */
    static String mismatch(String name, Request[] byRank, int size) {
        String e = differ(name, byRank, "collective", r -> r.kind().label());
        if (e == null) {
            e = differ(name, byRank, "data type", r -> r.dtype().toString());
        }
        if (e == null) {
            e = differ(name, byRank, "tensor location", r -> r.onDevice() ? "a CUDA tensor (device path)" : "host memory");
            if (e != null) {
                e += " (a collective runs either on the device or on the host on every rank: pass tensors of the same "
                        + "device everywhere, and set HVD4J_DEVICE_COLLECTIVES alike on every rank)";
            }
        }
        if (e != null) {
            return e;
        }
        Request ref = firstOf(byRank);
        switch (ref.kind()) {
            case ALLREDUCE, REDUCESCATTER -> {
                e = differ(name, byRank, "tensor shape", r -> Arrays.toString(r.shape()));
                if (e == null) {
                    e = differ(name, byRank, "reduction", r -> r.op().toString());
                }
                if (e == null) {
                    e = differ(name, byRank, "scale factors", r -> "prescale " + r.prescale() + ", postscale " + r.postscale());
                }
                if (e == null && ref.kind() == OpKind.REDUCESCATTER && ref.shape().length == 0) {
                    e = "reducescatter of '" + name + "' needs a tensor with a first dimension to split, got a scalar";
                }
            }
            case BROADCAST -> {
                e = differ(name, byRank, "tensor shape", r -> Arrays.toString(r.shape()));
                if (e == null) {
                    e = differ(name, byRank, "root rank", r -> Integer.toString(r.root()));
                }
                if (e == null && (ref.root() < 0 || ref.root() >= size)) {
                    e = "broadcast of '" + name + "' from root " + ref.root() + ", but ranks are 0.." + (size - 1);
                }
            }
            case ALLGATHER -> e = differ(name, byRank, "shape after the first dimension", RequestChecks::trailing);
            case SHARE -> e = differ(name, byRank, "shared tensor shape", r -> Arrays.toString(r.shape()));
            case ALLTOALL -> {
                e = differ(name, byRank, "shape after the first dimension", RequestChecks::trailing);
                for (int r = 0; r < byRank.length && e == null; r++) {
                    e = checkSplits(name, byRank[r], size);
                }
            }
            default -> {
            }
        }
        return e;
    }

    private static String checkSplits(String name, Request r, int size) {
        if (r == null) {
            return null;
        }
        if (r.splits().length != size) {
            return "alltoall of '" + name + "': rank " + r.rank() + " gave " + r.splits().length + " splits for " + size
                    + " ranks";
        }
        long sum = 0;
        for (int s : r.splits()) {
            if (s < 0) {
                return "alltoall of '" + name + "': rank " + r.rank() + " gave a negative split " + Arrays.toString(r.splits());
            }
            sum += s;
        }
        int rows = r.shape().length == 0 ? 1 : r.shape()[0];
        if (sum != rows) {
            return "alltoall of '" + name + "': rank " + r.rank() + "'s splits " + Arrays.toString(r.splits())
                    + " add up to " + sum + ", its tensor has " + rows + " rows";
        }
        return null;
    }

    private static String trailing(Request r) {
        int[] s = r.shape();
        return s.length == 0 ? "[] (scalar)" : Arrays.toString(Arrays.copyOfRange(s, 1, s.length));
    }

    private static Request firstOf(Request[] byRank) {
        for (Request r : byRank) {
            if (r != null) {
                return r;
            }
        }
        throw new IllegalStateException("no request");
    }

    /** "Mismatched tensor shape for 'x': rank 0 has [2, 3], rank 1 has [2, 4]", or null. */
    private static String differ(String name, Request[] byRank, String what, Function<Request, String> key) {
        String ref = null;
        boolean differs = false;
        for (Request r : byRank) {
            if (r != null) {
                String k = key.apply(r);
                if (ref == null) {
                    ref = k;
                } else if (!ref.equals(k)) {
                    differs = true;
                }
            }
        }
        if (!differs) {
            return null;
        }
        StringBuilder b = new StringBuilder("Mismatched " + what + " for '" + name + "': ");
        String sep = "";
        for (Request r : byRank) {
            if (r != null) {
                b.append(sep).append("rank ").append(r.rank()).append(" has ").append(key.apply(r));
                sep = ", ";
            }
        }
        return b.toString();
    }
}
