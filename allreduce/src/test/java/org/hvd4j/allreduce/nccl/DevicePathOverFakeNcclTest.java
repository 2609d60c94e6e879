package org.hvd4j.allreduce.nccl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.hvd4j.allreduce.DeviceFakeNcclScenario;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The runtime's device path on NCCL over the real driver binding (events, the communication stream, the pinned address table, pack/unpack launches checked
 * against the kernel header, NCCL calls, the wait): over the fake CUDA/NCCL libraries, one rank.
 */
class DevicePathOverFakeNcclTest {
    @Test
    void oneRankRunsTheDevicePathOnNccl() throws Exception {
        // one rank: auto takes the staged path (the identity, see below); nccl makes it use the fake NCCL
        FakeNcclLibraries.Run r = FakeNcclLibraries.run(fakes(), Map.of("HVD4J_DEVICE_COLLECTIVES", "nccl"), 120,
                DeviceFakeNcclScenario.class.getName(), "nccl");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("ALL PASSED"), r.output());
        assertTrue(r.output().contains("hvd4j: device collectives: allreduce and broadcast of CUDA tensors run on the "
                + "device through nccl (HVD4J_DEVICE_COLLECTIVES=nccl)"), r.output());
    }

    @Test
    void oneRankUnderAutoSkipsNcclAndCopiesNothing() throws Exception {
        FakeNcclLibraries.Run r = FakeNcclLibraries.run(fakes(), Map.of(), 120, DeviceFakeNcclScenario.class.getName(),
                "staged(solo)");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("ALL PASSED"), r.output());
        assertTrue(r.output().contains("through staged(solo) (HVD4J_DEVICE_COLLECTIVES=auto; one rank)"), r.output());
    }

    /** Hierarchical on one rank: NCCL within the host (a communicator of one, its own unique id), no cross step. */
    @Test
    void oneRankUnderHierarchicalRunsNcclWithinTheHost() throws Exception {
        FakeNcclLibraries.Run r = FakeNcclLibraries.run(fakes(), Map.of("HVD4J_DEVICE_COLLECTIVES", "hierarchical"), 120,
                DeviceFakeNcclScenario.class.getName(), "hierarchical(nccl+staged(solo))");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("ALL PASSED"), r.output());
        assertTrue(r.output().contains("through hierarchical(nccl+staged(solo)) (HVD4J_DEVICE_COLLECTIVES=hierarchical)"),
                r.output());
    }

    private static Path fakes() throws Exception {
        Path out = Path.of("target", "fakecuda");
        String why = FakeNcclLibraries.build(Path.of("..", "native", "src", "test", "c"), out,
                org.bytedeco.cuda.global.cudart.CUDA_VERSION / 1000);
        Assumptions.assumeTrue(why == null, why);
        return out;
    }
}
