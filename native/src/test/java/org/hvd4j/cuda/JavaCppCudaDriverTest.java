package org.hvd4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import org.bytedeco.javacpp.LongPointer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * What of the real driver runs without a GPU: loading fails cleanly with a message naming the
 * missing library, the parameter packing, the buffer addressing and the error texts. With a GPU
 * (or {@code -Dhvd4j.gpu=true}, which turns a missing GPU into a failure) a smoke test runs a
 * kernel and SGEMM on the device.
 */
class JavaCppCudaDriverTest {

    /** The driver on cuda:0; skips the test without a GPU unless -Dhvd4j.gpu=true asks for one. */
    static JavaCppCudaDriver gpuOrSkip() {
        try {
            return JavaCppCudaDriver.open(0);
        } catch (CudaUnavailableException e) {
            if (Boolean.getBoolean("hvd4j.gpu")) {
                fail("-Dhvd4j.gpu=true, but CUDA is unavailable: " + e.getMessage(), e);
            }
            Assumptions.abort("no GPU here: " + e.getMessage());
            return null;
        }
    }

    private static boolean gpuHere() {
        try (JavaCppCudaDriver d = JavaCppCudaDriver.open(0)) {
            return d != null;
        } catch (CudaUnavailableException e) {
            return false;
        }
    }

    // ---- without a GPU ------------------------------------------------------------------------

    @Test
    void theClassLoadsWithoutTouchingTheNatives() throws Exception {
        Class<?> c = Class.forName("org.hvd4j.cuda.JavaCppCudaDriver");
        assertTrue(CudaDriver.class.isAssignableFrom(c));
        assertEquals("/org/hvd4j/cuda/hvd4j_kernels.ptx", JavaCppCudaDriver.PTX_RESOURCE);
    }

    @Test
    void openWithoutAGpuThrowsCudaUnavailableNamingWhatIsMissing() {
        Assumptions.assumeFalse(gpuHere(), "a GPU is here");
        for (int attempt = 0; attempt < 2; attempt++) { // the second attempt must say the same, not "Could not initialize"
            Throwable t = assertThrows(Throwable.class, () -> JavaCppCudaDriver.open(0));
            assertEquals(CudaUnavailableException.class, t.getClass(), () -> "open(0) threw " + t);
            String m = t.getMessage();
            assertTrue(m.contains("no CUDA") || m.contains("libcuda.so.1") || m.contains("libcudart")
                    || m.contains("libcublas"), m);
            if (m.contains("cannot load libcuda.so.1")) {
                assertTrue(m.contains("NVIDIA driver") && m.contains("--device cpu"), m);
            }
        }
    }

    @Test
    void ncclIsUnavailableWithoutAGpu() {
        Assumptions.assumeFalse(gpuHere(), "a GPU is here");
        assertFalse(Nccl.isAvailable());
        assertNotNull(Nccl.unavailableReason());
        assertThrows(CudaUnavailableException.class, () -> Nccl.init(0, 1, 0, new byte[128], Duration.ofSeconds(1)));
    }

    @Test
    void theLoaderMessageNamesTheLibrary() {
        String chain = "UnsatisfiedLinkError: no jnicudart in java.library.path: /usr/lib <- UnsatisfiedLinkError: "
                + "/root/.javacpp/cache/x.jar/org/bytedeco/cuda/linux-x86_64/libjnicudart.so: libcuda.so.1: cannot open"
                + " shared object file: No such file or directory";
        assertEquals("libcuda.so.1", CudaLibraries.missingLibrary(chain));
        assertEquals("libcublasLt.so.13", CudaLibraries.missingLibrary("x.so: libcublasLt.so.13: cannot open shared"
                + " object file"));
        assertEquals(null, CudaLibraries.missingLibrary("something else"));
        String m = CudaLibraries.explain("cublas", new UnsatisfiedLinkError("libjnicublas.so: "
                + CudaLibraries.CUBLAS + ": cannot open shared object file: No such file or directory"));
        assertTrue(m.contains("cannot load " + CudaLibraries.CUBLAS + ", cuBLAS of the CUDA"), m);
        assertTrue(m.contains("nvidia-cublas-cu") && m.contains("LD_LIBRARY_PATH"), m);
        String rt = CudaLibraries.explain("cudart", new UnsatisfiedLinkError("libjnicudart.so: "
                + CudaLibraries.CUDART + ": cannot open shared object file"));
        assertTrue(rt.contains("cannot load " + CudaLibraries.CUDART) && rt.contains("-Pcuda-redist"), rt);
        assertTrue(m.contains(CudaLibraries.CUBLASLT), m);
        String n = CudaLibraries.explain("nccl", new UnsatisfiedLinkError("libjninccl.so: libnccl.so.2: cannot open"
                + " shared object file"));
        assertTrue(n.contains("cannot load libnccl.so.2, NCCL") && n.contains("libnccl2"), n);
    }

    @Test
    void hintsSayWhatToDo() {
        assertTrue(CudaErrors.driverHint(org.bytedeco.cuda.global.cudart.CUDA_ERROR_OUT_OF_MEMORY)
                .contains("lower the batch size"));
        assertTrue(CudaErrors.driverHint(org.bytedeco.cuda.global.cudart.CUDA_ERROR_UNSUPPORTED_PTX_VERSION)
                .contains(CudaLibraries.CUDA_MAJOR >= 13 ? ">= 580" : ">= 525"));
        assertTrue(CudaErrors.driverHint(org.bytedeco.cuda.global.cudart.CUDA_ERROR_NO_DEVICE)
                .contains("CUDA_VISIBLE_DEVICES"));
        assertTrue(CudaErrors.blasHint(org.bytedeco.cuda.global.cublas.CUBLAS_STATUS_ALLOC_FAILED)
                .contains("batch size"));
        assertTrue(Nccl.hint(org.bytedeco.cuda.global.nccl.ncclRemoteError).contains("remote rank"));
        assertEquals("", CudaErrors.driverHint(12345));
    }

    @Test
    void thePtxIsReadFromTheClasspathOrItsAbsenceIsExplained() {
        boolean present = JavaCppCudaDriver.class.getResource(JavaCppCudaDriver.PTX_RESOURCE) != null;
        if (present) {
            String ptx = new String(JavaCppCudaDriver.readPtx(), StandardCharsets.UTF_8);
            assertTrue(ptx.contains(".entry"), "the PTX has entries");
            for (String k : KernelSignatures.shipped().names()) {
                assertTrue(ptx.contains(".entry " + k + "(") || ptx.contains(".entry " + k + " ("),
                        "kernel " + k + " of hvd4j_kernels.h is in the PTX");
            }
        } else {
            CudaException e = assertThrows(CudaException.class, JavaCppCudaDriver::readPtx);
            assertTrue(e.getMessage().contains(JavaCppCudaDriver.PTX_RESOURCE) && e.getMessage().contains("nvcc"),
                    e.getMessage());
        }
    }

    // ---- kernel parameter packing ---------------------------------------------------------------

    @Test
    void packingWritesEightByteSlotsInNativeOrder() {
        KernelArgs args = new KernelArgs().ptr(0x1122334455667788L).f32(-1.5f).i32(-7).u64(0xFEDCBA9876543210L)
                .flag(true).ptr(0);
        ByteBuffer b = ByteBuffer.allocate(8 + args.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) 0x5a); // garbage the packing must overwrite (or leave, outside the slots)
        }
        KernelParamBlock.packValues(args, b, 8);
        assertEquals(0x5a5a5a5a5a5a5a5aL, b.getLong(0), "bytes before the slots are untouched");
        assertEquals(0x1122334455667788L, b.getLong(8));
        assertEquals(Float.floatToRawIntBits(-1.5f), b.getInt(16));
        assertEquals(0, b.getInt(20), "an f32's slot is zero-padded");
        assertEquals(-7, b.getInt(24));
        assertEquals(0, b.getInt(28));
        assertEquals(0xFEDCBA9876543210L, b.getLong(32));
        assertEquals(1, b.getInt(40));
        assertEquals(0L, b.getLong(48));
        // little-endian: the low byte first, as the GPU reads it
        assertEquals((byte) 0x88, b.get(8));
        assertEquals(8, KernelParamBlock.bytesOf(KernelArgs.Kind.PTR));
        assertEquals(4, KernelParamBlock.bytesOf(KernelArgs.Kind.F32));
    }

    @Test
    void anF32KeepsItsBitsEvenForANaNPayload() {
        float nan = Float.intBitsToFloat(0x7fa00001); // a signalling NaN with a payload
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        KernelParamBlock.packValues(new KernelArgs().f32(nan), b, 0);
        assertEquals(0x7fa00001, b.getInt(0));
    }

    @Test
    void theNativeBlockPointsEachParameterAtItsSlot() {
        try (KernelParamBlock block = new KernelParamBlock(4)) {
            KernelArgs args = new KernelArgs().ptr(0xABCDEF0123L).f32(3.25f).i32(42).u64(-2L);
            block.pack(args);
            ByteBuffer v = block.view();
            assertEquals(ByteOrder.nativeOrder(), v.order());
            for (int i = 0; i < 4; i++) {
                assertEquals(block.valueAddress(i), v.getLong(i * 8), "kernelParams[" + i + "]");
                assertEquals(block.address() + block.valuesOffset() + 8L * i, block.valueAddress(i));
            }
            // read the values back through the addresses, as cuLaunchKernel does
            LongPointer all = new LongPointer(new NativePointers.At(block.address())).capacity(8);
            assertEquals(0xABCDEF0123L, new LongPointer(new NativePointers.At(all.get(0))).get(0));
            assertEquals(42, (int) new LongPointer(new NativePointers.At(all.get(2))).get(0));
            assertEquals(-2L, new LongPointer(new NativePointers.At(all.get(3))).get(0));
            long f = new LongPointer(new NativePointers.At(all.get(1))).get(0);
            assertEquals(3.25f, Float.intBitsToFloat((int) f));
            // a second, shorter launch reuses the block and overwrites only its own slots
            block.pack(new KernelArgs().i32(-1));
            assertEquals(0xFFFFFFFFL, v.getLong(block.valuesOffset()));
            assertEquals(3.25f, Float.intBitsToFloat(v.getInt(block.valuesOffset() + 8)));
            assertThrows(IllegalArgumentException.class, () -> block.pack(new KernelArgs().i32(1).i32(2).i32(3).i32(4)
                    .i32(5)));
            block.pack(new KernelArgs()); // no arguments: fine
        }
        assertThrows(IllegalArgumentException.class, () -> new KernelParamBlock(0));
    }

    @Test
    void everyShippedKernelFitsTheInitialBlock() {
        int most = 0;
        for (String k : KernelSignatures.shipped().names()) {
            most = Math.max(most, KernelSignatures.shipped().of(k).size());
        }
        assertTrue(most > 0 && most <= 32, "the widest kernel takes " + most + " arguments");
    }

    // ---- host buffer addressing -------------------------------------------------------------------

    @Test
    void hostAddressesIgnoreTheBufferPositionAndCheckTheRange() {
        ByteBuffer b = ByteBuffer.allocateDirect(64);
        long base = NativePointers.baseAddress(b);
        b.position(10);
        assertEquals(base, NativePointers.baseAddress(b), "the base address is that of element 0");
        assertEquals(base + 12, NativePointers.hostAddress(b, 12, 52, "cuMemcpyHtoDAsync"));
        assertEquals(base + 64, NativePointers.hostAddress(b, 64, 0, "cuMemcpyHtoDAsync"));
        CudaException e = assertThrows(CudaException.class, () -> NativePointers.hostAddress(b, 12, 53, "cuMemcpyHtoDAsync"));
        assertTrue(e.getMessage().contains("does not fit") && e.call().equals("cuMemcpyHtoDAsync"), e.getMessage());
        assertThrows(CudaException.class, () -> NativePointers.hostAddress(b, -1, 1, "x"));
        assertThrows(CudaException.class, () -> NativePointers.hostAddress(ByteBuffer.allocate(8), 0, 8, "x"));
        ByteBuffer slice = b.position(16).slice();
        assertEquals(base + 16, NativePointers.baseAddress(slice));
    }

    @Test
    void aBufferAtAnAddressIsNativeOrderedAndSharesTheMemory() {
        ByteBuffer owner = ByteBuffer.allocateDirect(32).order(ByteOrder.nativeOrder());
        ByteBuffer view = NativePointers.bufferAt(NativePointers.baseAddress(owner), 32);
        assertEquals(32, view.capacity());
        assertEquals(ByteOrder.nativeOrder(), view.order());
        view.putFloat(4, 7.5f);
        assertEquals(7.5f, owner.getFloat(4));
    }

    // ---- with a GPU ---------------------------------------------------------------------------------

    @Test
    void gpuSmokeScaleKernelAndSgemm() {
        try (JavaCppCudaDriver d = gpuOrSkip()) {
            System.out.println("GPU: " + d.device() + ", memory free/total " + java.util.Arrays.toString(d.memoryInfo()));
            long s = d.streamCreate();
            int n = 1000;
            ByteBuffer host = d.hostAlloc(4 * n);
            for (int i = 0; i < n; i++) {
                host.putFloat(4 * i, i - 500);
            }
            long x = d.malloc(4L * n);
            long y = d.malloc(4L * n);
            d.copyHostToDevice(x, host, 0, 4L * n, s);
            int blocks = (n + 255) / 256;
            d.launch("hvd_scale_f32", blocks, 1, 256, s, new KernelArgs().ptr(x).f32(0.5f).ptr(y).i32(n));
            ByteBuffer out = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder());
            d.copyDeviceToHost(out, 0, y, 4L * n, s);
            d.streamSynchronize(s);
            for (int i = 0; i < n; i++) {
                assertEquals((i - 500) * 0.5f, out.getFloat(4 * i), "y[" + i + "]");
            }
            d.hostFree(host);

            // SGEMM against a naive loop, transposes and alpha/beta, exact float32 and TF32
            Random r = new Random(1);
            int m = 67;
            int nn = 45;
            int k = 129;
            for (boolean tf32 : new boolean[] {false, true}) {
                d.setTf32(tf32);
                for (int combo = 0; combo < 4; combo++) {
                    boolean ta = (combo & 1) != 0;
                    boolean tb = (combo & 2) != 0;
                    int lda = ta ? k : m;
                    int ldb = tb ? nn : k;
                    float[] a = FakeCudaScenarios.random(r, lda * (ta ? m : k));
                    float[] b = FakeCudaScenarios.random(r, ldb * (tb ? k : nn));
                    float[] c = FakeCudaScenarios.random(r, m * nn);
                    float[] want = FakeCudaScenarios.naive(ta, tb, m, nn, k, 0.75f, a, lda, b, ldb, 0.25f, c.clone(), m);
                    long da = FakeCudaScenarios.upload(d, s, a);
                    long db = FakeCudaScenarios.upload(d, s, b);
                    long dc = FakeCudaScenarios.upload(d, s, c);
                    d.sgemm(s, ta, tb, m, nn, k, 0.75f, da, lda, db, ldb, 0.25f, dc, m);
                    float[] got = FakeCudaScenarios.download(d, s, dc, m * nn);
                    // TF32 keeps 10 mantissa bits of each input: |error| ~ k * 2^-11 for inputs in [-1, 1]
                    FakeCudaScenarios.close(want, got, tf32 ? 0.05f : 1e-4f, "sgemm tf32=" + tf32 + " " + combo);
                    d.free(da);
                    d.free(db);
                    d.free(dc);
                }
            }
            d.setTf32(false);
            // BF16 inputs with float32 accumulation: small integers are exact
            float[] a = new float[8 * 4];
            float[] b = new float[4 * 3];
            for (int i = 0; i < a.length; i++) {
                a[i] = i % 7 - 3;
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = i % 4 - 1;
            }
            long da = FakeCudaScenarios.upload16(d, s, a, CudaDataType.BF16);
            long db = FakeCudaScenarios.upload16(d, s, b, CudaDataType.BF16);
            long dc = d.malloc(8 * 3 * 4);
            d.gemmEx16(s, CudaDataType.BF16, false, false, 8, 3, 4, 1f, da, 8, db, 4, 0f, dc, 8);
            assertArrayEquals(FakeCudaScenarios.naive(false, false, 8, 3, 4, 1f, a, 8, b, 4, 0f, new float[24], 8),
                    FakeCudaScenarios.download(d, s, dc, 24));
        }
    }

    @Test
    void gpuNcclOneRank() {
        try (JavaCppCudaDriver d = gpuOrSkip()) {
            if (!Nccl.isAvailable()) {
                if (Boolean.getBoolean("hvd4j.gpu")) {
                    fail("-Dhvd4j.gpu=true, but NCCL is unavailable: " + Nccl.unavailableReason());
                }
                Assumptions.abort(Nccl.unavailableReason());
            }
            long s = d.streamCreate();
            long buf = FakeCudaScenarios.upload(d, s, new float[] {1, 2, 3});
            try (Nccl n = Nccl.init(0, 1, 0, Nccl.uniqueId(), Duration.ofSeconds(60))) {
                n.allReduce(buf, buf, 3, Nccl.DataType.FLOAT32, Nccl.Op.SUM, s);
                n.synchronize(s);
                assertArrayEquals(new float[] {1, 2, 3}, FakeCudaScenarios.download(d, s, buf, 3));
            }
        }
    }
}
