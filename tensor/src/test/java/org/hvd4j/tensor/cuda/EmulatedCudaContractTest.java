package org.hvd4j.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.BackendContractTest;
import org.hvd4j.tensor.ConvGeometry;
import org.hvd4j.tensor.Device;
import org.hvd4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The whole backend contract on the CUDA backend over the host emulation: every op goes through
 * kernel launches by name, argument checks against the header, deferred stream execution and
 * cuBLAS-semantics GEMM, and must match the CPU backend.
 */
class EmulatedCudaContractTest extends BackendContractTest {
    private static final CudaBackend BACKEND = new CudaBackend(new EmulatedCudaDriver(), new Device(Device.Kind.EMULATED_CUDA, 0));

    @Override
    protected Backend backend() {
        return BACKEND;
    }

    @AfterAll
    static void close() {
        BACKEND.close();
    }

    @Test
    void opsReallyLaunchKernels() {
        EmulatedCudaDriver d = (EmulatedCudaDriver) BACKEND.driver();
        long before = d.launches();
        Tensor x = Tensor.of(BACKEND, uniform(10), 10);
        BACKEND.scale(x, 2f, x);
        assertEquals(before + 1, d.launches());
    }

    @Test
    void convolutionChunksGiveTheSameResult() {
        // a chunk limit of one image forces the multi-chunk path of all three convolution ops
        ConvGeometry g = new ConvGeometry(2, 6, 6, 3, 3, 1, 1, 1, 1);
        int n = 3;
        Tensor[] x = pairRandom(n, 2, 6, 6);
        Tensor[] w = pairRandom(4, 2, 3, 3);
        Tensor[] gy = pairRandom(n, 4, 36);
        long saved = CudaConv.colsBytes;
        CudaConv.colsBytes = 4L * g.colRows() * g.colCols();
        try {
            Tensor[] y = pair(new float[n * 4 * 36], n, 4, 36);
            both((be, i) -> be.conv2d(x[i], w[i], n, g, y[i]));
            assertClose("chunked conv2d", y);
            Tensor[] gx = pair(new float[n * 72], n, 72);
            both((be, i) -> be.conv2dBackwardInput(gy[i], w[i], n, g, gx[i]));
            assertClose("chunked conv2d backward input", gx);
            Tensor[] gw = pair(new float[72], 4, 18);
            both((be, i) -> be.conv2dBackwardWeight(gy[i], x[i], n, g, gw[i], false));
            assertClose("chunked conv2d backward weight", gw);
        } finally {
            CudaConv.colsBytes = saved;
        }
    }

    @Test
    void bf16GemmRoundsInputsAndAccumulatesInFloat() {
        BACKEND.setPrecision(CudaPrecision.BF16);
        try {
            Tensor[] a = pairRandom(8, 16);
            Tensor[] b = pairRandom(16, 4);
            Tensor[] c = pair(new float[32], 8, 4);
            both((be, i) -> be.gemm(false, false, 8, 4, 16, 1f, a[i], 0, 16, b[i], 0, 4, 0f, c[i], 0, 4));
            // bf16 keeps 8 significant bits: about 2^-8 relative per product
            assertClose("bf16 gemm", c, 2e-2, 2e-2);
            float[] exact = c[0].toFloatArray();
            float[] rounded = c[1].toFloatArray();
            boolean differs = false;
            for (int i = 0; i < exact.length; i++) {
                differs |= exact[i] != rounded[i];
            }
            assertTrue(differs, "bf16 inputs must actually be rounded");
        } finally {
            BACKEND.setPrecision(CudaPrecision.TF32);
        }
    }
}
