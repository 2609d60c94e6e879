package org.hvd4j.allreduce;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The device path in real JVM processes: every rank computes on the emulated CUDA device, and
 * {@code HVD4J_DEVICE_COLLECTIVES=staged} runs its allreduces and broadcasts through events, the
 * communication stream, the device fusion buffer and the pack/unpack kernels, over shared memory
 * (2 ranks), the TCP ring (3 ranks) and the hierarchical transport (4 ranks on 2 hosts).
 */
class DeviceCollectivesTest {
    private static void runs(int n, int hosts, Map<String, String> env, String transport) throws Exception {
        ProcessJob.Result r = ProcessJob.run(n, hosts, env, Duration.ofSeconds(180), DeviceScenarioMain.class.getName());
        assertTrue(r.allSucceeded(), "n = " + n + ":" + r.describe());
        for (int k = 0; k < n; k++) {
            assertTrue(r.output()[k].contains("rank " + k + " of " + n + " ok"), r.describe());
            assertTrue(r.output()[k].contains("rank " + k + " device collectives: staged(" + transport + ")"), r.describe());
        }
        assertTrue(r.output()[0].contains("hvd4j: device collectives: allreduce and broadcast of CUDA tensors run on the "
                + "device through staged(" + transport + ")"), "rank 0 logs the choice:" + r.describe());
    }

    @Test
    void twoRanksOverSharedMemory() throws Exception {
        runs(2, 1, Map.of("HVD4J_DEVICE_COLLECTIVES", "staged"), "shm");
    }

    @Test
    void threeRanksOverTcpChosenAutomatically() throws Exception {
        runs(3, 1, Map.of("HVD4J_TRANSPORT", "tcp"), "tcp"); // auto: the emulated driver cannot run NCCL
    }

    @Test
    void fourRanksOnTwoHostsOverTheHierarchicalTransport() throws Exception {
        runs(4, 2, Map.of("HVD4J_DEVICE_COLLECTIVES", "staged"), "hierarchical(shm+tcp)");
    }
}
