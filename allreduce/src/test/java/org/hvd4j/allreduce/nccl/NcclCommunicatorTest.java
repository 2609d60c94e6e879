package org.hvd4j.allreduce.nccl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.allreduce.net.Secret;
import org.hvd4j.allreduce.rendezvous.RendezvousClient;
import org.hvd4j.allreduce.rendezvous.RendezvousServer;
import org.hvd4j.cuda.CudaUnavailableException;
import org.hvd4j.cuda.FakeCuda;
import org.hvd4j.cuda.JavaCppCudaDriver;
import org.hvd4j.cuda.Nccl;
import org.hvd4j.tensor.DType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * NcclCommunicator: unavailable here without a GPU (false, or a CudaUnavailableException, never
 * another failure), its type mapping and unique-id exchange, the real binding over the fake CUDA and
 * NCCL libraries in a child JVM, and with a GPU (or {@code -Dhvd4j.gpu=true}) a one-rank allreduce.
 */
class NcclCommunicatorTest {

    private static boolean gpuHere() {
        try (JavaCppCudaDriver d = JavaCppCudaDriver.open(0)) {
            return d != null;
        } catch (CudaUnavailableException e) {
            return false;
        }
    }

    @Test
    void unavailableWithoutAGpuIsCleanFalseAndACudaUnavailableException() {
        Assumptions.assumeFalse(gpuHere() && NcclCommunicator.isAvailable(), "NCCL and a GPU are here");
        assertFalse(NcclCommunicator.isAvailable());
        assertNotNull(NcclCommunicator.unavailableReason());
        Throwable t = assertThrows(Throwable.class,
                () -> NcclCommunicator.create(0, 1, 0, new byte[Nccl.UNIQUE_ID_BYTES], Duration.ofSeconds(1)));
        assertEquals(CudaUnavailableException.class, t.getClass(), () -> "create threw " + t);
        assertThrows(CudaUnavailableException.class, NcclCommunicator::newUniqueId);
    }

    @Test
    void typesAndReductionsMapToNccl() {
        assertEquals(Nccl.DataType.FLOAT32, NcclCommunicator.dataType(DType.FLOAT32));
        assertEquals(Nccl.DataType.FLOAT64, NcclCommunicator.dataType(DType.FLOAT64));
        assertEquals(Nccl.DataType.BFLOAT16, NcclCommunicator.dataType(DType.BFLOAT16));
        assertEquals(Nccl.DataType.FLOAT16, NcclCommunicator.dataType(DType.FLOAT16));
        assertEquals(Nccl.DataType.INT32, NcclCommunicator.dataType(DType.INT32));
        assertEquals(Nccl.DataType.INT64, NcclCommunicator.dataType(DType.INT64));
        assertEquals(Nccl.DataType.UINT8, NcclCommunicator.dataType(DType.UINT8));
        for (DType t : DType.values()) {
            assertEquals(t.bytes(), NcclCommunicator.dataType(t).bytes(), t.toString());
        }
        // NCCL's enum values (nccl.h): ncclFloat32 = 7, ncclBfloat16 = 9, ncclAvg = 4
        assertEquals(7, Nccl.DataType.FLOAT32.code());
        assertEquals(9, Nccl.DataType.BFLOAT16.code());
        assertEquals(Nccl.Op.AVG, NcclCommunicator.op(Reduction.AVERAGE, DType.FLOAT16));
        assertEquals(4, Nccl.Op.AVG.code());
        assertEquals(Nccl.Op.SUM, NcclCommunicator.op(Reduction.SUM, DType.INT32));
        assertEquals(Nccl.Op.PROD, NcclCommunicator.op(Reduction.PRODUCT, DType.FLOAT32));
        assertEquals(Nccl.Op.MIN, NcclCommunicator.op(Reduction.MIN, DType.UINT8));
        assertEquals(Nccl.Op.MAX, NcclCommunicator.op(Reduction.MAX, DType.INT64));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NcclCommunicator.op(Reduction.AVERAGE, DType.INT32));
        assertTrue(e.getMessage().contains("INT32"), e.getMessage());
    }

    @Test
    void rankZeroPublishesTheUniqueIdAndTheOthersReadIt() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (RendezvousServer server = RendezvousServer.start(lo, 0, Secret.none());
             RendezvousClient kv0 = RendezvousClient.connect(new InetSocketAddress(lo, server.port()), Secret.none(), 0,
                     Duration.ofSeconds(10));
             RendezvousClient kv1 = RendezvousClient.connect(new InetSocketAddress(lo, server.port()), Secret.none(), 1,
                     Duration.ofSeconds(10))) {
            byte[] id = new byte[Nccl.UNIQUE_ID_BYTES];
            for (int i = 0; i < id.length; i++) {
                id[i] = (byte) (i * 31 + 7);
            }
            // rank 1 asks first and waits until rank 0 has published
            CompletableFuture<byte[]> one = CompletableFuture.supplyAsync(() -> {
                try {
                    return NcclCommunicator.shareUniqueId(1, kv1, "nccl/test", () -> fail("rank 1 makes no id"),
                            Duration.ofSeconds(10));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(100);
            byte[] zero = NcclCommunicator.shareUniqueId(0, kv0, "nccl/test", id::clone, Duration.ofSeconds(10));
            assertArrayEquals(id, zero);
            assertArrayEquals(id, one.get(10, TimeUnit.SECONDS));

            IOException late = assertThrows(IOException.class, () -> NcclCommunicator.shareUniqueId(1, kv1,
                    "nccl/nobody", () -> null, Duration.ofMillis(200)));
            assertTrue(late.getMessage().contains("did not arrive within 0.2 s"), late.getMessage());
            kv0.put("nccl/short", new byte[3]);
            IOException bad = assertThrows(IOException.class, () -> NcclCommunicator.shareUniqueId(1, kv1,
                    "nccl/short", () -> null, Duration.ofSeconds(1)));
            assertTrue(bad.getMessage().contains("has 3 bytes"), bad.getMessage());
        }
    }

    // ---- over the fake CUDA and NCCL libraries (child JVMs) ------------------------------------

    private static Path fakes() throws Exception {
        return FakeCuda.buildOrSkip(Path.of("..", "native", "src", "test", "c"), Path.of("target", "fakecuda"));
    }

    @Test
    void overTheFakeLibraries() throws Exception {
        FakeCuda.Run r = FakeCuda.run(fakes(), NcclFakeScenarios.class.getName(), List.of("basic"), Map.of(), 120,
                false);
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("ALL PASSED"), r.output());
    }

    @Test
    void aDeadPeerFailsTheWaitInsteadOfHangingIt() throws Exception {
        FakeCuda.Run r = FakeCuda.run(fakes(), NcclFakeScenarios.class.getName(), List.of("deadpeer"),
                Map.of("FAKENCCL_ASYNC_ERROR_AFTER", "1", "FAKECUDA_EVENT_POLLS", "2000000000"), 120, false);
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("ALL PASSED"), r.output());
    }

    // ---- with a GPU ---------------------------------------------------------------------------

    @Test
    void gpuOneRankAllreduce() {
        JavaCppCudaDriver d;
        try {
            d = JavaCppCudaDriver.open(0);
        } catch (CudaUnavailableException e) {
            if (Boolean.getBoolean("hvd4j.gpu")) {
                fail("-Dhvd4j.gpu=true, but CUDA is unavailable: " + e.getMessage(), e);
            }
            Assumptions.abort("no GPU: " + e.getMessage());
            return;
        }
        try (d) {
            if (!NcclCommunicator.isAvailable()) {
                if (Boolean.getBoolean("hvd4j.gpu")) {
                    fail("-Dhvd4j.gpu=true, but NCCL is unavailable: " + NcclCommunicator.unavailableReason());
                }
                Assumptions.abort(NcclCommunicator.unavailableReason());
            }
            long s = d.streamCreate();
            int n = 1 << 20;
            ByteBuffer host = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder());
            for (int i = 0; i < n; i++) {
                host.putFloat(4 * i, i % 1000 - 500);
            }
            long buf = d.malloc(4L * n);
            d.copyHostToDevice(buf, host, 0, 4L * n, s);
            try (NcclCommunicator c = NcclCommunicator.create(0, 1, 0, NcclCommunicator.newUniqueId(),
                    Duration.ofSeconds(60))) {
                c.allreduce(buf, n, DType.FLOAT32, Reduction.SUM, s);
                c.allreduce(buf, n, DType.FLOAT32, Reduction.AVERAGE, s);
                c.synchronize(s);
                c.checkAsyncError();
            }
            ByteBuffer out = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder());
            d.copyDeviceToHost(out, 0, buf, 4L * n, s);
            d.streamSynchronize(s);
            for (int i = 0; i < n; i += 997) {
                assertEquals(i % 1000 - 500, out.getFloat(4 * i), "element " + i);
            }
        }
    }
}
