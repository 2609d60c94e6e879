package org.hvd4j.allreduce.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.tensor.DType;
import org.junit.jupiter.api.Test;

class StallInspectorTest {
    private static final long S = 1_000_000_000L;

    @Test
    void warnsOnceAPeriodNamingMissingRanksAndTensors() {
        Negotiation n = new Negotiation(3, 0);
        n.add(new Request(0, "fc1.weight", OpKind.ALLREDUCE, DType.FLOAT32, new int[] {1}, Reduction.SUM, -1, 1, 1,
                new int[0]), 0);
        n.add(new Request(1, "fc1.weight", OpKind.ALLREDUCE, DType.FLOAT32, new int[] {1}, Reduction.SUM, -1, 1, 1,
                new int[0]), 0);
        List<String> log = new ArrayList<>();
        StallInspector s = new StallInspector(60, 0, new String[] {"rank 0", "rank 1", "rank 2 (hostB)"}, log::add);
        assertNull(s.check(n, 59 * S));
        assertTrue(log.isEmpty());
        assertNull(s.check(n, 61 * S));
        assertEquals(1, log.size());
        assertTrue(log.get(0).contains("rank 2 (hostB): [fc1.weight]"), log.get(0));
        assertTrue(log.get(0).contains("more than 60 s"), log.get(0));
        s.check(n, 62 * S);
        assertEquals(1, log.size(), "not again within the period");
        s.check(n, 122 * S);
        assertEquals(2, log.size());
    }

    @Test
    void shutdownTimeEndsTheJob() {
        Negotiation n = new Negotiation(2, 0);
        n.add(new Request(1, "x", OpKind.BROADCAST, DType.FLOAT32, new int[] {1}, Reduction.SUM, 0, 1, 1, new int[0]), 0);
        StallInspector s = new StallInspector(1, 5, new String[] {"rank 0", "rank 1"}, m -> { });
        assertNull(s.check(n, 4 * S));
        String fatal = s.check(n, 6 * S);
        assertNotNull(fatal);
        assertTrue(fatal.contains("rank 0: [x]"), fatal);
    }

    @Test
    void disabledSaysNothing() {
        Negotiation n = new Negotiation(2, 0);
        n.add(new Request(1, "x", OpKind.BARRIER, DType.UINT8, new int[0], Reduction.SUM, -1, 1, 1, new int[0]), 0);
        List<String> log = new ArrayList<>();
        StallInspector s = new StallInspector(0, 0, new String[] {"rank 0", "rank 1"}, log::add);
        assertNull(s.check(n, 1000 * S));
        assertTrue(log.isEmpty());
    }
}
