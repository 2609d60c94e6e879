package org.hvd4j.allreduce.nccl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hvd4j.allreduce.DeviceFakeNcclScenario;
import org.hvd4j.cuda.FakeCuda;
import org.junit.jupiter.api.Test;

/**
 * The runtime's device path on NCCL over the real driver binding (events, the communication stream, the pinned address table, pack/unpack launches checked
 * against the kernel header, NCCL calls, the wait): over the fake CUDA/NCCL libraries, one rank.
 */
class DevicePathOverFakeNcclTest {
    @Test
    void oneRankRunsTheDevicePathOnNccl() throws Exception {
        // one rank: auto takes the staged path (the identity, see below); nccl makes it use the fake NCCL
        FakeCuda.Run r = FakeCuda.run(fakes(), DeviceFakeNcclScenario.class.getName(), List.of("nccl"),
                Map.of("HVD4J_DEVICE_COLLECTIVES", "nccl"), 120, false);
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("ALL PASSED"), r.output());
        assertTrue(r.output().contains("hvd4j: device collectives: allreduce and broadcast of CUDA tensors run on the "
                + "device through nccl (HVD4J_DEVICE_COLLECTIVES=nccl)"), r.output());
    }

    @Test
    void oneRankUnderAutoSkipsNcclAndCopiesNothing() throws Exception {
        FakeCuda.Run r = FakeCuda.run(fakes(), DeviceFakeNcclScenario.class.getName(), List.of("staged(solo)"),
                Map.of(), 120, false);
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("ALL PASSED"), r.output());
        assertTrue(r.output().contains("through staged(solo) (HVD4J_DEVICE_COLLECTIVES=auto; one rank)"), r.output());
    }

    /** Hierarchical on one rank: NCCL within the host (a communicator of one, its own unique id), no cross step. */
    @Test
    void oneRankUnderHierarchicalRunsNcclWithinTheHost() throws Exception {
        FakeCuda.Run r = FakeCuda.run(fakes(), DeviceFakeNcclScenario.class.getName(),
                List.of("hierarchical(nccl+staged(solo))"), Map.of("HVD4J_DEVICE_COLLECTIVES", "hierarchical"), 120, false);
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("ALL PASSED"), r.output());
        assertTrue(r.output().contains("through hierarchical(nccl+staged(solo)) (HVD4J_DEVICE_COLLECTIVES=hierarchical)"),
                r.output());
    }

    private static Path fakes() throws Exception {
        return FakeCuda.buildOrSkip(Path.of("..", "native", "src", "test", "c"), Path.of("target", "fakecuda"));
    }
}
