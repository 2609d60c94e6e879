package org.hvd4j.allreduce.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Which device communicator the ranks agree on, from what each can (bit 0) and asks for (1 nccl, 2 staged). */
class DeviceCollectivesChoiceTest {
    private static final int ABLE = 1;
    private static final int NCCL = 1 << 1;
    private static final int STAGED = 2 << 1;
    private static final int HIERARCHICAL = 3 << 1;

    @Test
    void autoTakesNcclOnlyWhenEveryRankCan() {
        assertEquals(new DeviceCollectives.Choice(true, ""), DeviceCollectives.choose(new int[] {ABLE, ABLE}, null));
        assertEquals(new DeviceCollectives.Choice(false, "; NCCL not used: ranks [1] cannot use it"),
                DeviceCollectives.choose(new int[] {ABLE, 0}, null));
        assertEquals(new DeviceCollectives.Choice(false, "; NCCL not used: the CUDA driver is emulated"),
                DeviceCollectives.choose(new int[] {0, 0}, "the CUDA driver is emulated"));
        assertEquals(new DeviceCollectives.Choice(false, "; one rank"), DeviceCollectives.choose(new int[] {ABLE}, null));
    }

    @Test
    void aForcedChoiceWinsOverAutoRanksAndIsCheckedAgainstEveryRank() {
        assertEquals(new DeviceCollectives.Choice(false, ""), DeviceCollectives.choose(new int[] {ABLE | STAGED, ABLE}, null));
        assertEquals(new DeviceCollectives.Choice(true, ""), DeviceCollectives.choose(new int[] {ABLE | NCCL}, null));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DeviceCollectives.choose(new int[] {ABLE | NCCL, NCCL, ABLE, 0}, null));
        assertEquals("HVD4J_DEVICE_COLLECTIVES=nccl, but ranks [1, 3] cannot use NCCL; use auto or staged, or run every "
                + "rank on a GPU with NCCL", e.getMessage());
        e = assertThrows(IllegalStateException.class,
                () -> DeviceCollectives.choose(new int[] {ABLE | NCCL, ABLE | STAGED, ABLE | STAGED}, null));
        assertEquals("HVD4J_DEVICE_COLLECTIVES differs between ranks: nccl on ranks [0], staged on ranks [1, 2]; set it "
                + "alike on every rank", e.getMessage());
    }

    @Test
    void hierarchicalIsNeverAutomaticAndTakesNcclWithinHostsOnlyWhenEveryRankCan() {
        assertEquals(new DeviceCollectives.Choice(true, true, ""),
                DeviceCollectives.choose(new int[] {ABLE | HIERARCHICAL, ABLE | HIERARCHICAL, ABLE}, null));
        assertEquals(new DeviceCollectives.Choice(false, true, "; NCCL not used within hosts: ranks [1] cannot use it"),
                DeviceCollectives.choose(new int[] {ABLE | HIERARCHICAL, HIERARCHICAL}, null));
        assertEquals(new DeviceCollectives.Choice(false, true, "; NCCL not used within hosts: the CUDA driver is emulated"),
                DeviceCollectives.choose(new int[] {HIERARCHICAL, HIERARCHICAL}, "the CUDA driver is emulated"));
        assertEquals(new DeviceCollectives.Choice(true, false, ""), DeviceCollectives.choose(new int[] {ABLE, ABLE}, null));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DeviceCollectives.choose(new int[] {ABLE | HIERARCHICAL, ABLE | STAGED, ABLE}, null));
        assertEquals("HVD4J_DEVICE_COLLECTIVES differs between ranks: staged on ranks [1], hierarchical on ranks [0]; "
                + "set it alike on every rank", e.getMessage());
    }
}
