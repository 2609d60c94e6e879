package org.hvd4j.allreduce.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Horovod's stall inspector: rank 0 reports tensors that some ranks submitted and others did not
 * for longer than the warning time, naming the missing ranks and their tensors (the usual cause
 * is rank-dependent control flow). With a shutdown time it ends the job instead of hanging.
 */
final class StallInspector {
    private final long warnNanos;
    private final long shutdownNanos;
    private final String[] rankNames;
    private final Consumer<String> sink;
    private final Map<String, Long> lastWarned = new HashMap<>();

    /**
     * @param warnSeconds     0 disables the warnings
     * @param shutdownSeconds 0 never shuts down
     */
    StallInspector(double warnSeconds, double shutdownSeconds, String[] rankNames) {
        this(warnSeconds, shutdownSeconds, rankNames, msg -> System.err.println("hvd4j WARNING: " + msg));
    }

    StallInspector(double warnSeconds, double shutdownSeconds, String[] rankNames, Consumer<String> sink) {
        this.warnNanos = (long) (warnSeconds * 1e9);
        this.shutdownNanos = (long) (shutdownSeconds * 1e9);
        this.rankNames = rankNames;
        this.sink = sink;
    }

    /** How often the coordinator should call {@link #check}. */
    long checkIntervalNanos() {
        long base = warnNanos > 0 ? warnNanos : shutdownNanos;
        return base > 0 ? Math.max(1_000_000, Math.min(1_000_000_000L, base / 10)) : 1_000_000_000L;
    }

    /** Logs stalls; returns an ABORT message when a stall has outlived the shutdown time. */
    String check(Negotiation table, long now) {
        if (warnNanos <= 0 && shutdownNanos <= 0) {
            return null;
        }
        Map<Integer, List<String>> missing = new TreeMap<>();
        long oldest = 0;
        List<String> report = new ArrayList<>();
        for (Map.Entry<String, Negotiation.Pending> e : table.pending().entrySet()) {
            long age = now - e.getValue().firstSeenNanos;
            long threshold = warnNanos > 0 ? warnNanos : shutdownNanos;
            if (age < threshold) {
                continue;
            }
            oldest = Math.max(oldest, age);
            Long warned = lastWarned.get(e.getKey());
            boolean due = warned == null || now - warned >= threshold;
            Request[] byRank = e.getValue().byRank;
            for (int r = 0; r < byRank.length; r++) {
                if (byRank[r] == null && !table.joined().get(r)) {
                    missing.computeIfAbsent(r, k -> new ArrayList<>()).add(e.getKey());
                }
            }
            if (due) {
                report.add(e.getKey());
                lastWarned.put(e.getKey(), now);
            }
        }
        lastWarned.keySet().retainAll(table.pending().keySet());
        if (missing.isEmpty()) {
            return null;
        }
        String text = describe(missing, oldest);
        if (shutdownNanos > 0 && oldest >= shutdownNanos) {
            return "stalled for " + seconds(oldest) + " s, more than the stall shutdown time of " + seconds(shutdownNanos)
                    + " s: " + text;
        }
        if (warnNanos > 0 && !report.isEmpty()) {
            sink.accept("One or more tensors were submitted to be reduced, gathered or broadcasted by a subset of ranks "
                    + "and are waiting for the remaining ranks for more than " + seconds(warnNanos) + " s. This usually "
                    + "means the ranks run different code (a rank-dependent branch, a different number of batches: "
                    + "see Hvd.join()), or that a missing rank waits in DistributedOptimizer.step() for the others "
                    + "while they wait here: with HVD4J_INLINE_EXCHANGE on, step() exchanges on the training thread and "
                    + "must be called in the same order as other blocking collectives on every rank. " + text);
        }
        return null;
    }

    private String describe(Map<Integer, List<String>> missing, long oldest) {
        StringBuilder b = new StringBuilder("Missing ranks (oldest wait " + seconds(oldest) + " s):");
        for (Map.Entry<Integer, List<String>> m : missing.entrySet()) {
            List<String> names = m.getValue();
            b.append("\n  ").append(rankNames[m.getKey()]).append(": ")
                    .append(names.size() > 10 ? names.subList(0, 10) + " and " + (names.size() - 10) + " more" : names);
        }
        return b.toString();
    }

    private static String seconds(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.0f", nanos / 1e9);
    }
}
