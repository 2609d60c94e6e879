package org.hvd4j.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RankAssignmentTest {
    private static RankPlacement p(int rank, int size, String host, int lr, int ls, int cr, int cs) {
        return new RankPlacement(rank, size, host, lr, ls, cr, cs);
    }

    @Test
    void fillsHostsInOrder() {
        assertEquals(List.of(p(0, 4, "a", 0, 2, 0, 2), p(1, 4, "a", 1, 2, 0, 2), p(2, 4, "b", 0, 2, 1, 2),
                p(3, 4, "b", 1, 2, 1, 2)), RankAssignment.assign(HostParser.parseHosts("a:2,b:2"), 4));
    }

    @Test
    void fewerRanksUseTheFirstSlots() {
        assertEquals(List.of(p(0, 3, "a", 0, 2, 0, 2), p(1, 3, "a", 1, 2, 0, 1), p(2, 3, "b", 0, 1, 1, 2)),
                RankAssignment.assign(HostParser.parseHosts("a:2,b:2,c:4"), 3));
    }

    @Test
    void unevenHostsGetHorovodCrossRanks() {
        // local rank 2 exists only on a and c: its cross size is 2, and c is its cross rank 1
        List<RankPlacement> r = RankAssignment.assign(HostParser.parseHosts("a:3,b:1,c:3"), 7);
        assertEquals(p(2, 7, "a", 2, 3, 0, 2), r.get(2));
        assertEquals(p(3, 7, "b", 0, 1, 1, 3), r.get(3));
        assertEquals(p(4, 7, "c", 0, 3, 2, 3), r.get(4));
        assertEquals(p(6, 7, "c", 2, 3, 1, 2), r.get(6));
    }

    @Test
    void moreRanksThanSlotsIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RankAssignment.assign(HostParser.parseHosts("a:2,b:2"), 5));
        assertTrue(e.getMessage().contains("-np 5") && e.getMessage().contains("4 slots"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RankAssignment.assign(HostParser.parseHosts("a:2"), 0));
    }
}
