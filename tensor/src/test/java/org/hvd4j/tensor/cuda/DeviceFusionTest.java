package org.hvd4j.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.Device;
import org.hvd4j.tensor.Shape;
import org.hvd4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** {@link DeviceFusion} on the emulated device: the host fusion buffer's piece layout, zeros, scales, ordering. */
class DeviceFusionTest {

    private static CudaBackend emulated() {
        return new CudaBackend(new EmulatedCudaDriver(), new Device(Device.Kind.EMULATED_CUDA, 0));
    }

    private static float[] read(CudaBackend be, long address, int count) {
        ByteBuffer b = ByteBuffer.allocateDirect(4 * count).order(ByteOrder.nativeOrder());
        be.driver().copyDeviceToHost(b, 0, address, 4L * count, be.stream());
        be.synchronize();
        float[] out = new float[count];
        b.asFloatBuffer().get(out);
        return out;
    }

    private static float[] range(float from, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = from + i;
        }
        return x;
    }

    @Test
    void packsPieceByPieceWithTheScaleAndUnpacksBack() {
        try (CudaBackend be = emulated(); DeviceFusion f = new DeviceFusion(be)) {
            Tensor a = Tensor.of(be, range(1, 5), 5);    // pieces 3 + 2
            Tensor b = Tensor.of(be, range(100, 2), 2);  // pieces 2 + 0
            Tensor e = Tensor.of(be, new float[0], 0);
            f.waitForCompute();
            DeviceFusion.Plan p = f.plan(new Tensor[] {a, null, e, b}, new int[][] {{3, 2}, {1, 1}, {0, 0}, {2, 0}},
                    DType.FLOAT32);
            assertEquals(9, p.elements());
            p.pack(2f);
            f.synchronize();
            assertArrayEquals(new float[] {2, 4, 6, 0, 200, 202, 8, 10, 0}, read(be, p.address(), 9));
            p.unpack(0.5f);
            f.synchronize();
            assertArrayEquals(new float[] {1, 2, 3, 4, 5}, a.toFloatArray());
            assertArrayEquals(new float[] {100, 101}, b.toFloatArray());
        }
    }

    @Test
    void theCommunicationStreamWaitsForTheComputeStream() {
        try (CudaBackend be = emulated(); DeviceFusion f = new DeviceFusion(be)) {
            Tensor a = Tensor.zeros(be, 1000);
            be.fill(a, 3f); // enqueued on the compute stream, not run yet (deferred)
            f.waitForCompute();
            DeviceFusion.Plan p = f.plan(new Tensor[] {a}, new int[][] {{1000}}, DType.FLOAT32);
            p.pack(1f);
            f.synchronize(); // runs the compute stream up to the event first
            assertEquals(3f, read(be, p.address(), 1000)[999]);
        }
    }

    @Test
    void moreSegmentsThanOneGridHoldsAreCutIntoSeveralLaunches() {
        try (CudaBackend be = emulated(); DeviceFusion f = new DeviceFusion(be)) {
            int n = 70_000; // one launch takes at most 65535 rows (gridDim.y)
            Tensor[] ts = new Tensor[n];
            int[][] pieces = new int[n][];
            Tensor all = Tensor.of(be, range(0, n), n);
            for (int i = 0; i < n; i++) {
                ts[i] = Tensor.view(all.storage(), DType.FLOAT32, Shape.of(1), i);
                pieces[i] = new int[] {1};
            }
            f.waitForCompute(); // the copy of `all` to the device is on the compute stream
            long launches = ((EmulatedCudaDriver) be.driver()).launches();
            DeviceFusion.Plan p = f.plan(ts, pieces, DType.FLOAT32);
            p.pack(-1f);
            assertEquals(2, ((EmulatedCudaDriver) be.driver()).launches() - launches);
            f.synchronize();
            float[] packed = read(be, p.address(), n);
            assertEquals(-69_999f, packed[n - 1]);
            assertEquals(-65_535f, packed[65_535]);
            p.unpack(-2f);
            f.synchronize();
            assertEquals(2 * 69_999f, all.toFloatArray()[n - 1]);
        }
    }

    @Test
    void otherTypesAreCopiedWithoutAScale() {
        try (CudaBackend be = emulated(); DeviceFusion f = new DeviceFusion(be)) {
            Tensor a = Tensor.ofInts(be, new int[] {7, 8, 9}, 3);
            f.waitForCompute();
            DeviceFusion.Plan p = f.plan(new Tensor[] {a, null}, new int[][] {{2, 1}, {1, 1}}, DType.INT32);
            p.pack(1f);
            f.synchronize();
            ByteBuffer b = ByteBuffer.allocateDirect(20).order(ByteOrder.nativeOrder());
            be.driver().copyDeviceToHost(b, 0, p.address(), 20, f.stream());
            f.synchronize();
            int[] got = new int[5];
            b.asIntBuffer().get(got);
            assertArrayEquals(new int[] {7, 8, 0, 9, 0}, got);
            assertThrows(IllegalArgumentException.class, () -> p.unpack(2f));
        }
    }

    @Test
    void theBufferGrowsAndClosingAfterTheBackendIsHarmless() {
        CudaBackend be = emulated();
        DeviceFusion f = new DeviceFusion(be);
        f.buffer(100);
        long small = f.capacity();
        f.buffer(10 << 20);
        assertEquals(10 << 20, f.capacity());
        assertEquals(512, small);
        be.close();
        f.close();
    }
}
