package org.hvd4j.launcher;

import java.util.ArrayList;
import java.util.List;

/**
 * Assigns ranks to slots: host by host in the given order, filling each host's slots before the
 * next (Horovod's and mpirun's {@code --map-by slot}). A pure function, so it is tested without
 * starting anything.
 */
public final class RankAssignment {
    private RankAssignment() {
    }

    /** Total slots of {@code hosts}. */
    public static int slots(List<HostSlots> hosts) {
        long total = 0;
        for (HostSlots h : hosts) {
            total += h.slots();
        }
        return (int) Math.min(Integer.MAX_VALUE, total);
    }

    /**
     * The placement of {@code np} ranks on {@code hosts}: the first slots are used when
     * {@code np} is smaller than the total; more ranks than slots is an error.
     */
    public static List<RankPlacement> assign(List<HostSlots> hosts, int np) {
        if (np < 1) {
            throw new IllegalArgumentException("-np must be at least 1, got " + np);
        }
        int total = slots(hosts);
        if (np > total) {
            throw new IllegalArgumentException("-np " + np + " asks for more ranks than the " + total + " slots of "
                    + hosts + "; add hosts or slots, or lower -np");
        }
        List<HostSlots> used = new ArrayList<>();
        List<Integer> perHost = new ArrayList<>();
        int left = np;
        for (HostSlots h : hosts) {
            if (left == 0) {
                break;
            }
            int n = Math.min(left, h.slots());
            used.add(h);
            perHost.add(n);
            left -= n;
        }
        List<RankPlacement> out = new ArrayList<>(np);
        int rank = 0;
        for (int hi = 0; hi < used.size(); hi++) {
            int localSize = perHost.get(hi);
            for (int local = 0; local < localSize; local++) {
                int crossRank = 0;
                int crossSize = 0;
                for (int hj = 0; hj < used.size(); hj++) {
                    if (perHost.get(hj) > local) {
                        if (hj < hi) {
                            crossRank++;
                        }
                        crossSize++;
                    }
                }
                out.add(new RankPlacement(rank++, np, used.get(hi).host(), local, localSize, crossRank, crossSize));
            }
        }
        return out;
    }
}
