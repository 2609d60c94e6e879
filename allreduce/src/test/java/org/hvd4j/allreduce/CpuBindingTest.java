package org.hvd4j.allreduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuBindingTest {
    @Test
    void parsesAndFormatsLinuxCpuLists() {
        assertEquals(List.of(0, 1, 2, 3, 8, 10, 11), CpuBinding.parseList("0-3,8,10-11"));
        assertEquals(List.of(5), CpuBinding.parseList("5"));
        assertEquals("0-3,8,10-11", CpuBinding.format(List.of(0, 1, 2, 3, 8, 10, 11)));
        assertEquals("1", CpuBinding.format(List.of(1)));
        assertEquals("", CpuBinding.format(List.of()));
        assertThrows(IllegalArgumentException.class, () -> CpuBinding.parseList("3-1"));
        String status = "Name:\tjava\nCpus_allowed:\tff\nCpus_allowed_list:\t0-7\nMems_allowed:\t1\n";
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), CpuBinding.allowedCpus(status));
        assertThrows(IllegalArgumentException.class, () -> CpuBinding.allowedCpus("Name:\tjava\n"));
    }

    @Test
    void localRanksGetContiguousSharesThatCoverEveryCpuOnce() {
        List<Integer> cpus = CpuBinding.parseList("0-6,9"); // 8 CPUs, not contiguous ids
        assertEquals(List.of(0, 1, 2, 3), CpuBinding.slice(cpus, 0, 2));
        assertEquals(List.of(4, 5, 6, 9), CpuBinding.slice(cpus, 1, 2));
        // 8 CPUs over 3 ranks: 2, 3 and 3, no CPU twice, none left out
        assertEquals(List.of(0, 1), CpuBinding.slice(cpus, 0, 3));
        assertEquals(List.of(2, 3, 4), CpuBinding.slice(cpus, 1, 3));
        assertEquals(List.of(5, 6, 9), CpuBinding.slice(cpus, 2, 3));
        // more ranks than CPUs: nobody is bound
        assertTrue(CpuBinding.slice(List.of(0, 1), 0, 3).isEmpty());
    }

    @Test
    void bindsOnlyWhenAskedAndRejectsUnknownModes() {
        assertFalse(CpuBinding.requested(Map.of()));
        assertFalse(CpuBinding.requested(Map.of("HVD4J_BIND", "none")));
        assertTrue(CpuBinding.requested(Map.of("HVD4J_BIND", " core ")));
        assertTrue(CpuBinding.bind(0, 1).isEmpty()); // alone on its host: nothing to share
        HvdException e = assertThrows(HvdException.class, () -> CpuBinding.requested(Map.of("HVD4J_BIND", "socket")));
        assertTrue(e.getMessage().contains("HVD4J_BIND must be 'core' or 'none', got 'socket'"), e.getMessage());
    }
}
