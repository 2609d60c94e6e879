package org.hvd4j.allreduce;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cuda.CudaBackend;
import org.hvd4j.tensor.cuda.Devices;
import org.junit.jupiter.api.Test;

/**
 * {@code HVD4J_DEVICE_COLLECTIVES=hierarchical} in real JVM processes on the emulated CUDA device:
 * staged within each simulated host (shared memory), staged across hosts over the cross TCP
 * rings. {@link DeviceScenarioMain} checks fused odd and empty sizes against n·x and against the
 * host path's bits (the staged hierarchical order is the hierarchical host transport's; 3 ranks
 * per host make that more than commutativity), averages with pre/postscale, early and uneven joins, broadcasts from a root on
 * each host (local root or not) and broadcastParameters.
 */
class DeviceCollectivesHierarchicalTest {
    private static final Map<String, String> HIERARCHICAL = Map.of("HVD4J_DEVICE_COLLECTIVES", "hierarchical");

    private static void runs(int n, int hosts, String name) throws Exception {
        ProcessJob.Result r = ProcessJob.run(n, hosts, HIERARCHICAL, Duration.ofSeconds(180),
                DeviceScenarioMain.class.getName());
        assertTrue(r.allSucceeded(), "n = " + n + ":" + r.describe());
        for (int k = 0; k < n; k++) {
            assertTrue(r.output()[k].contains("rank " + k + " of " + n + " ok"), r.describe());
            assertTrue(r.output()[k].contains("rank " + k + " device collectives: " + name + ","), r.describe());
        }
        assertTrue(r.output()[0].contains("hvd4j: device collectives: allreduce and broadcast of CUDA tensors run on the "
                + "device through " + name + " (HVD4J_DEVICE_COLLECTIVES=hierarchical; NCCL not used within hosts: the "
                + "CUDA driver is emulated)"), "rank 0 logs the choice:" + r.describe());
    }

    @Test
    void fourRanksOnTwoHosts() throws Exception {
        runs(4, 2, "hierarchical(staged(shm)+staged(tcp))");
    }

    /** 3 ranks per host: the local order is not commutative any more, and the bits are still the host path's. */
    @Test
    void sixRanksOnTwoHosts() throws Exception {
        runs(6, 2, "hierarchical(staged(shm)+staged(tcp))");
    }

    @Test
    void twoRanksOnOneHostHaveNoCrossStep() throws Exception {
        runs(2, 1, "hierarchical(staged(shm)+staged(solo))");
    }

    /** 3 ranks on 2 hosts (2 + 1): the host transport is a flat ring, and every rank gets the same error. */
    @Test
    void unequalHostsFailOnEveryRank() throws Exception {
        ProcessJob.Result r = ProcessJob.run(3, 2, HIERARCHICAL, Duration.ofSeconds(60), BadLayoutMain.class.getName());
        assertTrue(r.allSucceeded(), r.describe());
        for (int k = 0; k < 3; k++) {
            assertTrue(r.output()[k].contains("rank " + k + " error: allreduce of [g] failed on rank " + k
                    + ": HVD4J_DEVICE_COLLECTIVES=hierarchical needs the hierarchical host transport (the same number of "
                    + "ranks on every host, numbered host by host, and HVD4J_TRANSPORT=auto or hierarchical), but this "
                    + "job's host transport is tcp over 3 ranks; use staged, or lay the ranks out host by host with equal "
                    + "numbers per host"), r.describe());
        }
    }

    /** One device allreduce; prints its error and exits 0 (1 if there was none). */
    public static final class BadLayoutMain {
        private BadLayoutMain() {
        }

        public static void main(String[] args) {
            Hvd.init();
            HvdRuntime rt = Hvd.runtime();
            int code = 1;
            try (CudaBackend gpu = (CudaBackend) Devices.open("emulated-cuda", 0, 1)) {
                try {
                    rt.allreduceAsync(Tensor.full(gpu, 1, 10), "g", Reduction.SUM).await();
                    System.out.println("rank " + rt.rank() + " no error");
                } catch (HvdException e) {
                    System.out.println("rank " + rt.rank() + " error: " + e.getMessage());
                    code = 0;
                }
                Hvd.shutdown();
            }
            System.exit(code);
        }
    }
}
