package org.hvd4j.allreduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.hvd4j.allreduce.runtime.RuntimeConfig;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cuda.CudaBackend;
import org.hvd4j.tensor.cuda.Devices;
import org.junit.jupiter.api.Test;

/** {@code HVD4J_DEVICE_COLLECTIVES} other than the staged default of the emulated device, on 2 ranks as threads. */
class DeviceCollectivesModesTest {

    @Test
    void hostKeepsStagingEachTensorThroughTheHost() throws Exception {
        List<String> out = LocalJob.run(2, RuntimeConfig.defaults().withDeviceCollectives("host"), rt -> {
            try (CudaBackend gpu = (CudaBackend) Devices.open("emulated-cuda", 0, 1)) {
                Tensor t = Tensor.full(gpu, rt.rank() + 1, 1001);
                rt.allreduceAsync(t, "g", Reduction.SUM).await();
                Tensor b = Tensor.full(gpu, rt.rank(), 9);
                rt.broadcast(b, 1);
                return t.toFloatArray()[1000] + " " + b.toFloatArray()[8] + " " + rt.deviceCollectives() + " "
                        + rt.deviceCollectivesRun();
            }
        });
        assertEquals(List.of("3.0 1.0 host 0", "3.0 1.0 host 0"), out);
    }

    @Test
    void ncclWhereNoRankCanRunItFailsOnEveryRankAndNamesThem() throws Exception {
        List<String> out = LocalJob.run(2, RuntimeConfig.defaults().withDeviceCollectives("nccl"), rt -> {
            try (CudaBackend gpu = (CudaBackend) Devices.open("emulated-cuda", 0, 1)) {
                rt.allreduceAsync(Tensor.full(gpu, 1, 10), "g", Reduction.SUM).await();
                return "no error";
            } catch (HvdException e) {
                return e.getMessage();
            }
        });
        for (int r = 0; r < 2; r++) {
            assertEquals("allreduce of [g] failed on rank " + r + ": HVD4J_DEVICE_COLLECTIVES=nccl, but ranks [0, 1] "
                    + "cannot use NCCL (here: the CUDA driver is emulated); use auto or staged, or run every rank on a GPU "
                    + "with NCCL", out.get(r));
        }
    }
    @Test
    void aCudaFailureOnTheEngineFailsTheHandleInsteadOfHangingIt() throws Exception {
        List<String> out = LocalJob.run(1, RuntimeConfig.defaults(), rt -> {
            CudaBackend gpu = (CudaBackend) Devices.open("emulated-cuda", 0, 1);
            Tensor t = Tensor.full(gpu, 1, 10);
            gpu.close(); // the engine's first call into the driver fails with a CudaException
            try {
                rt.allreduceAsync(t, "g", Reduction.SUM).await(java.time.Duration.ofSeconds(30));
                return "no error";
            } catch (HvdException e) {
                return e.getMessage();
            }
        });
        assertTrue(out.get(0).startsWith("allreduce of [g] failed on rank 0: ") && out.get(0).contains("closed"),
                out.get(0));
    }
}
