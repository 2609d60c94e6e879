package org.hvd4j.allreduce.nccl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.hvd4j.allreduce.DeviceFakeNcclScenario;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The runtime chooses NCCL for CUDA tensors on the real driver binding and runs its device path
 * there (events, the communication stream, the pinned address table, pack/unpack launches checked
 * against the kernel header, NCCL calls, the wait): over the fake CUDA/NCCL libraries, one rank.
 */
class DevicePathOverFakeNcclTest {
    @Test
    void oneRankPicksNcclAndRunsTheDevicePath() throws Exception {
        Path out = Path.of("target", "fakecuda");
        String why = FakeNcclLibraries.build(Path.of("..", "native", "src", "test", "c"), out,
                org.bytedeco.cuda.global.cudart.CUDA_VERSION / 1000);
        Assumptions.assumeTrue(why == null, why);
        FakeNcclLibraries.Run r = FakeNcclLibraries.run(out, Map.of(), 120, DeviceFakeNcclScenario.class.getName());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("ALL PASSED"), r.output());
        assertTrue(r.output().contains("hvd4j: device collectives: allreduce and broadcast of CUDA tensors run on the "
                + "device through nccl (HVD4J_DEVICE_COLLECTIVES=auto)"), r.output());
    }
}
