package org.hvd4j.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.TreeSet;
import org.hvd4j.cuda.CudaException;
import org.hvd4j.cuda.KernelArgs;
import org.hvd4j.cuda.KernelSignatures;
import org.hvd4j.tensor.Device;
import org.hvd4j.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The emulated driver behaves like a GPU where it matters for the code above it. */
class EmulatedCudaDriverTest {
    private final EmulatedCudaDriver d = new EmulatedCudaDriver();
    private final long s = d.streamCreate();

    @AfterEach
    void close() {
        d.close();
    }

    private static ByteBuffer floats(float... v) {
        ByteBuffer b = ByteBuffer.allocateDirect(4 * v.length).order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(v);
        return b;
    }

    private static float[] read(ByteBuffer b, int n) {
        float[] v = new float[n];
        b.asFloatBuffer().get(0, v);
        return v;
    }

    @Test
    void everyKernelOfTheHeaderHasATwin() {
        TreeSet<String> header = new TreeSet<>(KernelSignatures.shipped().names());
        assertEquals(header, new TreeSet<>(new KernelTwins(null).names()));
    }

    @Test
    void workIsDeferredUntilSomebodyWaits() {
        long dev = d.malloc(16);
        d.copyHostToDevice(dev, floats(1, 2, 3, 4), 0, 16, s);
        ByteBuffer out = floats(0, 0, 0, 0);
        d.copyDeviceToHost(out, 0, dev, 16, s);
        assertArrayEquals(new float[4], read(out, 4), "read before synchronising: the copy has not run");
        d.streamSynchronize(s);
        assertArrayEquals(new float[] {1, 2, 3, 4}, read(out, 4));
    }

    @Test
    void pinnedSourceIsReadWhenTheCopyRunsNotWhenItIsEnqueued() {
        long dev = d.malloc(4);
        ByteBuffer src = floats(1);
        d.copyHostToDevice(dev, src, 0, 4, s);
        src.putFloat(0, 9); // reusing a staging buffer too early shows up as the later value
        ByteBuffer out = floats(0);
        d.copyDeviceToHost(out, 0, dev, 4, s);
        d.streamSynchronize(s);
        assertEquals(9f, out.getFloat(0));
    }

    @Test
    void eventsOrderStreams() {
        long other = d.streamCreate();
        long e = d.eventCreate();
        long dev = d.malloc(4);
        d.copyHostToDevice(dev, floats(5), 0, 4, s);
        d.eventRecord(e, s);
        ByteBuffer out = floats(0);
        d.streamWaitEvent(other, e);
        d.copyDeviceToHost(out, 0, dev, 4, other);
        d.streamSynchronize(other); // runs s up to the event first
        assertEquals(5f, out.getFloat(0));
        d.eventDestroy(e);
        d.streamDestroy(other);
    }

    @Test
    void launchArgumentsAreCheckedAgainstTheHeader() {
        long dev = d.malloc(16);
        CudaException e = assertThrows(CudaException.class,
                () -> d.launch("hvd_scale_f32", 1, 1, 256, s, new KernelArgs().ptr(dev).i32(2).ptr(dev).i32(4)));
        assertTrue(e.getMessage().contains("hvd_scale_f32 takes (PTR, F32, PTR, I32), was given (PTR, I32, PTR, I32)"),
                e.getMessage());
        assertThrows(CudaException.class, () -> d.launch("hvd_nope", 1, 1, 256, s, new KernelArgs()));
        assertThrows(CudaException.class,
                () -> d.launch("hvd_scale_f32", 1, 1, 2048, s, new KernelArgs().ptr(dev).f32(2).ptr(dev).i32(4)));
    }

    @Test
    void perRowKernelsNeedOneBlockPerRow() {
        long dev = d.malloc(4 * 12);
        CudaException e = assertThrows(CudaException.class, () -> d.launch("hvd_softmax_f32", 2, 1, 256, s,
                new KernelArgs().ptr(dev).ptr(dev).i32(3).i32(4).i32(0)));
        assertTrue(e.getMessage().contains("one block per row"), e.getMessage());
    }

    @Test
    void outOfBoundsAccessFailsLikeIllegalAddress() {
        long dev = d.malloc(16);
        d.launch("hvd_fill_f32", 1, 1, 256, s, new KernelArgs().ptr(dev).f32(1).i32(5)); // one too many
        CudaException e = assertThrows(CudaException.class, () -> d.streamSynchronize(s));
        assertTrue(e.getMessage().contains("CUDA_ERROR_ILLEGAL_ADDRESS") && e.getMessage().contains("hvd_fill_f32"),
                e.getMessage());
        assertThrows(CudaException.class, () -> d.free(dev + 4), "free of an interior address");
    }

    @Test
    void cublasArgumentsAreChecked() {
        long a = d.malloc(64);
        CudaException e = assertThrows(CudaException.class,
                () -> d.sgemm(s, false, false, 4, 4, 4, 1f, a, 3, a, 4, 0f, a, 4));
        assertTrue(e.getMessage().contains("CUBLAS_STATUS_INVALID_VALUE"), e.getMessage());
    }

    @Test
    void columnMajorSgemmAsCublas() {
        // A = [[1, 2], [3, 4]] column-major is {1, 3, 2, 4}; B = I; C = A·B
        long a = d.malloc(16);
        long b = d.malloc(16);
        long c = d.malloc(16);
        d.copyHostToDevice(a, floats(1, 3, 2, 4), 0, 16, s);
        d.copyHostToDevice(b, floats(1, 0, 0, 1), 0, 16, s);
        d.sgemm(s, true, false, 2, 2, 2, 1f, a, 2, b, 2, 0f, c, 2); // C = Aᵀ
        ByteBuffer out = floats(0, 0, 0, 0);
        d.copyDeviceToHost(out, 0, c, 16, s);
        d.streamSynchronize(s);
        assertArrayEquals(new float[] {1, 2, 3, 4}, read(out, 4));
    }

    @Test
    void sumOfSquaresPartialsFollowTheGridStrideOwnership() {
        int n = 20;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
        }
        long x = d.malloc(4 * n);
        long partial = d.malloc(8 * 3);
        d.copyHostToDevice(x, floats(v), 0, 4L * n, s);
        d.launch("hvd_sum_squares_f32", 3, 1, 4, s, new KernelArgs().ptr(x).ptr(partial).i32(n));
        ByteBuffer out = ByteBuffer.allocateDirect(24).order(ByteOrder.nativeOrder());
        d.copyDeviceToHost(out, 0, partial, 24, s);
        d.streamSynchronize(s);
        double[] want = new double[3];
        for (int i = 0; i < n; i++) {
            want[(i / 4) % 3] += (double) i * i;
        }
        for (int b = 0; b < 3; b++) {
            assertEquals(want[b], out.getDouble(8 * b), "block " + b);
        }
    }

    @Test
    void packAndUnpackFuseTensorsWithAScale() {
        long t1 = d.malloc(8);
        long t2 = d.malloc(12);
        d.copyHostToDevice(t1, floats(1, 2), 0, 8, s);
        d.copyHostToDevice(t2, floats(3, 4, 5), 0, 12, s);
        long table = d.malloc(16);
        long offsets = d.malloc(24);
        ByteBuffer tb = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder()).putLong(0, t1).putLong(8, t2);
        ByteBuffer ob = ByteBuffer.allocateDirect(24).order(ByteOrder.nativeOrder()).putLong(0, 0).putLong(8, 2).putLong(16, 5);
        d.copyHostToDevice(table, tb, 0, 16, s);
        d.copyHostToDevice(offsets, ob, 0, 24, s);
        long fused = d.malloc(20);
        d.launch("hvd_pack_f32", 1, 2, 256, s, new KernelArgs().ptr(table).ptr(offsets).i32(2).ptr(fused).f32(0.5f));
        ByteBuffer out = floats(0, 0, 0, 0, 0);
        d.copyDeviceToHost(out, 0, fused, 20, s);
        d.streamSynchronize(s);
        assertArrayEquals(new float[] {0.5f, 1, 1.5f, 2, 2.5f}, read(out, 5));
        d.launch("hvd_unpack_f32", 1, 2, 256, s, new KernelArgs().ptr(fused).ptr(table).ptr(offsets).i32(2).f32(2f));
        ByteBuffer back = floats(0, 0, 0);
        d.copyDeviceToHost(back, 0, t2, 12, s);
        d.streamSynchronize(s);
        assertArrayEquals(new float[] {3, 4, 5}, read(back, 3));
        assertThrows(CudaException.class, () -> d.launch("hvd_pack_f32", 1, 1, 256, s,
                new KernelArgs().ptr(table).ptr(offsets).i32(2).ptr(fused).f32(1f)), "one grid row per tensor");
    }

    @Test
    void closedBackendFreesEverything() {
        EmulatedCudaDriver driver = new EmulatedCudaDriver();
        CudaBackend be = new CudaBackend(driver, new Device(Device.Kind.EMULATED_CUDA, 0));
        Tensor.of(be, new float[1000], 1000);
        assertTrue(driver.allocations() > 0);
        be.synchronize();
        int live = driver.allocations();
        be.close();
        assertTrue(live > 0);
        assertThrows(CudaException.class, () -> driver.malloc(4), "the driver is closed with the backend");
    }
}
