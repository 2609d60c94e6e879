package org.hvd4j.tensor.cuda;

import org.hvd4j.cuda.CudaUnavailableException;
import org.hvd4j.cuda.JavaCppCudaDriver;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.BackendContractTest;
import org.hvd4j.tensor.Device;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/**
 * The backend contract on a real GPU (cuda:0, exact float32 GEMMs so that the CPU tolerances
 * apply): the PTX kernels and cuBLAS against the CPU backend. Skipped, not failed, where no GPU
 * can be opened, failed with {@code -Dhvd4j.gpu=true} ({@code scripts/gpu-check.sh} on GPU machines).
 */
class CudaGpuContractTest extends BackendContractTest {
    private static CudaBackend backend;
    private static String unavailable;

    @BeforeAll
    static void open() {
        try {
            backend = new CudaBackend(JavaCppCudaDriver.open(0), new Device(Device.Kind.CUDA, 0));
            backend.setPrecision(CudaPrecision.FP32);
        } catch (CudaUnavailableException e) {
            unavailable = e.getMessage();
        }
    }

    @AfterAll
    static void close() {
        if (backend != null) {
            backend.close();
        }
    }

    @Override
    protected Backend backend() {
        if (backend == null && Boolean.getBoolean("hvd4j.gpu")) { // scripts/gpu-check.sh: a GPU is expected
            throw new AssertionError("-Dhvd4j.gpu=true but no GPU could be opened: " + unavailable);
        }
        Assumptions.assumeTrue(backend != null, () -> "no GPU: " + unavailable);
        return backend;
    }
}
