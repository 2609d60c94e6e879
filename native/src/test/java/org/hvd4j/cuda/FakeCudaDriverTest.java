package org.hvd4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@link JavaCppCudaDriver} and {@link Nccl} over fake CUDA libraries (a fake driver,
 * cuBLAS and NCCL built from {@code src/test/c} with the C compiler), in child JVMs: every JNI call
 * the binding makes runs for real, only the GPU is missing. What the fakes check is listed in their
 * sources; the scenarios are in {@link FakeCudaScenarios}. Skipped without a C compiler.
 */
class FakeCudaDriverTest {
    private static Path libs;

    @TempDir
    Path tmp;

    @BeforeAll
    static void build() throws Exception {
        Path out = Path.of("target", "fakecuda");
        String why = FakeCuda.build(Path.of("src", "test", "c"), out);
        Assumptions.assumeTrue(why == null, why);
        libs = out;
    }

    private void run(Map<String, String> env, String... scenarios) throws Exception {
        Path cudaLog = tmp.resolve("fakecuda.log");
        Path ncclLog = tmp.resolve("fakenccl.log");
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("FAKECUDA_LOG", cudaLog.toAbsolutePath().toString());
        all.put("FAKENCCL_LOG", ncclLog.toAbsolutePath().toString());
        FakeCuda.Run r = FakeCuda.run(libs, FakeCudaScenarios.class.getName(), List.of(scenarios), all, 180);
        String logs = "\n--- fake driver log:\n" + (Files.exists(cudaLog) ? Files.readString(cudaLog) : "")
                + "\n--- fake NCCL log:\n" + (Files.exists(ncclLog) ? Files.readString(ncclLog) : "");
        assertEquals(0, r.exitCode(), "child JVM for " + List.of(scenarios) + " failed:\n" + r.output() + logs);
        assertTrue(r.output().contains("ALL PASSED"), r.output());
    }

    @Test
    void driverAndNcclOverTheFakes() throws Exception {
        run(Map.of(), "driver", "ordinal", "nccl", "nccl-timeout");
    }

    @Test
    void noDeviceIsUnavailable() throws Exception {
        run(Map.of("FAKECUDA_DEVICES", "0"), "nodevice");
    }

    @Test
    void anOldDriverIsUnavailableAndSaysWhatToDo() throws Exception {
        run(Map.of("FAKECUDA_DRIVER_VERSION", Integer.toString((FakeCuda.cudaMajor() - 1) * 1000 + 40)), "olddriver");
    }

    @Test
    void aJitFailureShowsTheLog() throws Exception {
        run(Map.of("FAKECUDA_JIT_ERROR", "1"), "jit");
    }

    @Test
    void ncclCallsThatReturnInProgressAndSlowEvents() throws Exception {
        run(Map.of("FAKENCCL_OP_POLLS", "2", "FAKECUDA_EVENT_POLLS", "5", "FAKENCCL_INIT_POLLS", "20"), "nccl");
    }

    @Test
    void aDeadPeerOrAnAbortEndsTheWait() throws Exception {
        run(Map.of("FAKENCCL_ASYNC_ERROR_AFTER", "2", "FAKECUDA_EVENT_POLLS", "2000000000"), "nccl-async",
                "nccl-abort");
    }
}
