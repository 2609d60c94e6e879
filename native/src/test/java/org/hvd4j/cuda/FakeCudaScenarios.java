package org.hvd4j.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The scenarios that {@link FakeCudaDriverTest} runs in a child JVM over the fake CUDA libraries:
 * each argument names one; the process exits 0 when all pass and prints the first failure
 * otherwise. Not a JUnit class: it must run in a process whose dynamic linker finds the fakes.
 */
public final class FakeCudaScenarios {
    private FakeCudaScenarios() {
    }

    public static void main(String[] args) throws Exception {
        for (String s : args) {
            System.out.println("scenario " + s);
            switch (s) {
                case "driver" -> driver();
                case "ordinal" -> ordinal();
                case "nodevice" -> noDevice();
                case "olddriver" -> oldDriver();
                case "jit" -> jit();
                case "nccl" -> nccl();
                case "nccl-timeout" -> ncclTimeout();
                case "nccl-async" -> ncclAsyncError();
                case "nccl-abort" -> ncclAbortFromThread();
                default -> throw new IllegalArgumentException("no scenario " + s);
            }
            System.out.println("passed " + s);
        }
        System.out.println("ALL PASSED");
    }

    // ---- checks -----------------------------------------------------------------------------

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    static void equal(Object want, Object got, String what) {
        if (!want.equals(got)) {
            throw new AssertionError(what + ": want " + want + ", got " + got);
        }
    }

    static <T extends Throwable> T expect(Class<T> type, Runnable r, String... fragments) {
        try {
            r.run();
        } catch (Throwable t) {
            if (!type.isInstance(t)) {
                throw new AssertionError("want " + type.getSimpleName() + ", got " + t, t);
            }
            for (String f : fragments) {
                if (t.getMessage() == null || !t.getMessage().contains(f)) {
                    throw new AssertionError("message of " + t + " lacks '" + f + "'", t);
                }
            }
            return type.cast(t);
        }
        throw new AssertionError("want " + type.getSimpleName() + ", nothing was thrown");
    }

    static String log(String variable) throws Exception {
        String p = System.getenv(variable);
        return p == null || !Files.exists(Path.of(p)) ? "" : Files.readString(Path.of(p), StandardCharsets.UTF_8);
    }

    static String lastLine(String text, String prefix) {
        String found = null;
        for (String l : text.split("\n")) {
            if (l.startsWith(prefix)) {
                found = l;
            }
        }
        return found;
    }

    // ---- the driver ---------------------------------------------------------------------------

    static void driver() throws Exception {
        JavaCppCudaDriver d = JavaCppCudaDriver.open(0);
        try {
            equal("cuda", d.name(), "name");
            CudaDeviceInfo info = d.device();
            equal("Fake CUDA Device 0", info.name(), "device name");
            equal(0, info.ordinal(), "ordinal");
            equal(9, info.major(), "cc major");
            equal(0, info.minor(), "cc minor");
            equal(1L << 30, info.totalMemory(), "total memory");
            long[] mem = d.memoryInfo();
            equal(1L << 30, mem[1], "memoryInfo total");
            equal(1L << 30, mem[0], "memoryInfo free before allocating");

            long s = d.streamCreate();
            long s2 = d.streamCreate();
            long a = d.malloc(4096);
            long out = d.malloc(4096);
            check(a % 256 == 0, "alignment of " + a);
            equal((1L << 30) - 8192, d.memoryInfo()[0], "free after 8 KiB");
            equal(8192L, d.allocatedBytes(), "allocatedBytes");

            ByteBuffer pinned = d.hostAlloc(4096);
            check(pinned.isDirect() && pinned.capacity() == 4096 && pinned.order() == ByteOrder.nativeOrder(),
                    "pinned buffer " + pinned);
            for (int i = 0; i < 1024; i++) {
                pinned.putFloat(i * 4, i);
            }
            pinned.position(100); // positions are never used: copies address buffers absolutely
            d.copyHostToDevice(a, pinned, 0, 4096, s);

            // hvd_scale_f32(x, s, out, n) on a sub-range: x starts at element 4
            d.launch("hvd_scale_f32", 1, 1, 256, s, new KernelArgs().ptr(a + 16).f32(2.5f).ptr(out).i32(100));
            ByteBuffer host = ByteBuffer.allocateDirect(1000).order(ByteOrder.nativeOrder());
            host.position(7);
            d.copyDeviceToHost(host, 8, out, 400, s);
            d.streamSynchronize(s);
            for (int i = 0; i < 100; i++) {
                equal((i + 4) * 2.5f, host.getFloat(8 + 4 * i), "scaled element " + i);
            }
            equal(7, host.position(), "the host buffer's position is untouched");

            // hvd_fill_f32 and the u64 path of hvd_dropout_mask_f32 (the fake echoes its arguments)
            d.launch("hvd_fill_f32", 2, 1, 128, s, new KernelArgs().ptr(out).f32(-0.75f).i32(1024));
            ByteBuffer all = ByteBuffer.allocateDirect(4096).order(ByteOrder.nativeOrder());
            d.copyDeviceToHost(all, 0, out, 4096, s);
            check(all.getFloat(0) == -0.75f && all.getFloat(4092) == -0.75f, "fill");
            long seed = 0x123456789ABCDEF0L;
            d.launch("hvd_dropout_mask_f32", 1, 1, 32, s, new KernelArgs().ptr(out).u64(seed).f32(0.125f).i32(16));
            d.copyDeviceToHost(all, 0, out, 16, s);
            equal((int) seed, all.getInt(0), "u64 low word");
            equal((int) (seed >>> 32), all.getInt(4), "u64 high word");
            equal(0.125f, all.getFloat(8), "f32 after a u64");
            equal(16, all.getInt(12), "i32 after an f32");

            // memset and device-to-device, at offsets
            d.memset(out, (byte) 0x3f, 64, s);
            d.copyDeviceToDevice(out + 64, a, 64, s);
            d.copyDeviceToHost(all, 0, out, 128, s);
            equal(0x3f3f3f3f, all.getInt(0), "memset");
            equal(0f, all.getFloat(64), "device to device [0]");
            equal(15f, all.getFloat(124), "device to device [15]");

            // events across streams
            long e = d.eventCreate();
            d.eventRecord(e, s);
            d.streamWaitEvent(s2, e);
            d.eventSynchronize(e);
            check(d.eventQuery(e), "event done");
            d.eventDestroy(e);

            // another thread: the context is made current there
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    ByteBuffer b = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
                    d.copyDeviceToHost(b, 0, a + 8, 16, s2);
                    d.streamSynchronize(s2);
                    check(b.getFloat(0) == 2f && b.getFloat(12) == 5f, "copy on another thread");
                    d.launch("hvd_fill_f32", 1, 1, 32, s2, new KernelArgs().ptr(out).f32(1f).i32(1));
                } catch (Throwable x) {
                    failure.set(x);
                }
            }, "comm-thread");
            t.start();
            t.join();
            if (failure.get() != null) {
                throw new AssertionError("a call from another thread failed", failure.get());
            }

            gemms(d, s);
            errors(d, s, a);

            d.hostFree(pinned.duplicate()); // a duplicate has the same base address
            expect(CudaException.class, () -> d.hostFree(pinned), "not one from hostAlloc");
            d.free(out);
            // a, s, s2 and a pinned buffer are left for close() to free
            d.hostAlloc(100);
        } finally {
            d.close();
        }
        d.close(); // idempotent
        expect(CudaException.class, () -> d.malloc(16), "closed");
        String release = lastLine(log("FAKECUDA_LOG"), "release device=0");
        equal("release device=0 count=0 device_allocs=0 host_allocs=0 streams=0 events=0 modules=0", release,
                "what close() left behind (fake driver's log)");
    }

    static void gemms(JavaCppCudaDriver d, long s) {
        Random r = new Random(42);
        // SGEMM in all four transpose combinations, leading dimensions larger than needed, alpha and beta
        for (int combo = 0; combo < 4; combo++) {
            boolean ta = (combo & 1) != 0;
            boolean tb = (combo & 2) != 0;
            int m = 5;
            int n = 3;
            int k = 4;
            int lda = (ta ? k : m) + 2;
            int ldb = (tb ? n : k) + 1;
            int ldc = m + 3;
            float[] aH = random(r, lda * (ta ? m : k));
            float[] bH = random(r, ldb * (tb ? k : n));
            float[] cH = random(r, ldc * n);
            float[] want = naive(ta, tb, m, n, k, 1.5f, aH, lda, bH, ldb, -0.5f, cH.clone(), ldc);
            long a = upload(d, s, aH);
            long b = upload(d, s, bH);
            long c = upload(d, s, cH);
            d.sgemm(s, ta, tb, m, n, k, 1.5f, a, lda, b, ldb, -0.5f, c, ldc);
            close(want, download(d, s, c, cH.length), 1e-5f, "sgemm " + (ta ? "T" : "N") + (tb ? "T" : "N"));
            d.free(a);
            d.free(b);
            d.free(c);
        }
        // beta = 0 must not read C (NaN there)
        {
            float[] aH = random(r, 6);
            float[] bH = random(r, 6);
            float[] cH = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
            long a = upload(d, s, aH);
            long b = upload(d, s, bH);
            long c = upload(d, s, cH);
            d.sgemm(s, false, false, 2, 2, 3, 1f, a, 2, b, 3, 0f, c, 2);
            close(naive(false, false, 2, 2, 3, 1f, aH, 2, bH, 3, 0f, new float[4], 2), download(d, s, c, 4), 1e-6f,
                    "sgemm beta=0");
            d.free(a);
            d.free(b);
            d.free(c);
        }
        // strided batched: 3 products, B shared (stride 0)
        {
            int m = 4;
            int n = 2;
            int k = 3;
            float[] aH = random(r, 3 * m * k);
            float[] bH = random(r, k * n);
            float[] cH = new float[3 * m * n];
            float[] want = new float[cH.length];
            for (int i = 0; i < 3; i++) {
                float[] ai = java.util.Arrays.copyOfRange(aH, i * m * k, (i + 1) * m * k);
                float[] ci = naive(false, false, m, n, k, 1f, ai, m, bH, k, 0f, new float[m * n], m);
                System.arraycopy(ci, 0, want, i * m * n, m * n);
            }
            long a = upload(d, s, aH);
            long b = upload(d, s, bH);
            long c = upload(d, s, cH);
            d.sgemmStridedBatched(s, false, false, m, n, k, 1f, a, m, (long) m * k, b, k, 0, 0f, c, m, (long) m * n, 3);
            close(want, download(d, s, c, cH.length), 1e-5f, "sgemmStridedBatched");
            d.free(a);
            d.free(b);
            d.free(c);
        }
        // 16-bit inputs, float32 output: small integers are exact in both formats
        for (CudaDataType type : List.of(CudaDataType.BF16, CudaDataType.F16)) {
            int m = 3;
            int n = 2;
            int k = 4;
            float[] aF = new float[m * k];
            float[] bF = new float[k * n];
            for (int i = 0; i < aF.length; i++) {
                aF[i] = i % 5 - 2;
            }
            for (int i = 0; i < bF.length; i++) {
                bF[i] = 0.5f * (i % 3);
            }
            long a = upload16(d, s, aF, type);
            long b = upload16(d, s, bF, type);
            long c = d.malloc((long) m * n * 4);
            d.gemmEx16(s, type, false, false, m, n, k, 2f, a, m, b, k, 0f, c, m);
            close(naive(false, false, m, n, k, 2f, aF, m, bF, k, 0f, new float[m * n], m), download(d, s, c, m * n),
                    0f, "gemmEx16 " + type);
            d.free(a);
            d.free(b);
            d.free(c);
        }
        expect(CudaException.class, () -> d.gemmEx16(s, CudaDataType.F32, false, false, 1, 1, 1, 1f, 0, 1, 0, 1, 0f,
                0, 1), "use sgemm");
        // TF32: the fake rounds the inputs to 10 mantissa bits in TF32 mode only
        {
            float x = 1f + 1f / 4096; // not a TF32 value
            long a = upload(d, s, new float[] {x});
            long b = upload(d, s, new float[] {1f});
            long c = d.malloc(4);
            d.setTf32(true);
            d.sgemm(s, false, false, 1, 1, 1, 1f, a, 1, b, 1, 0f, c, 1);
            equal(1f, download(d, s, c, 1)[0], "TF32 product");
            d.setTf32(false);
            d.sgemm(s, false, false, 1, 1, 1, 1f, a, 1, b, 1, 0f, c, 1);
            equal(x, download(d, s, c, 1)[0], "exact float32 product");
            d.free(a);
            d.free(b);
            d.free(c);
        }
        // cuBLAS's own checks come back as CudaException naming the call and the sizes
        expect(CudaException.class, () -> d.sgemm(s, false, false, 4, 4, 4, 1f, 0, 2, 0, 4, 0f, 0, 4),
                "cublasSgemm_v2", "CUBLAS_STATUS_INVALID_VALUE", "lda=2");
    }

    static void errors(JavaCppCudaDriver d, long s, long a) {
        expect(CudaException.class, () -> d.launch("hvd_scale_f32", 1, 1, 256, s, new KernelArgs().ptr(a).i32(1)),
                "hvd_scale_f32 takes (PTR, F32, PTR, I32), was given (PTR, I32)");
        expect(CudaException.class, () -> d.launch("no_such_kernel", 1, 1, 1, s, new KernelArgs()), "no kernel named");
        // declared in the header, missing from the (fake) PTX
        expect(CudaException.class, () -> d.launch("hvd_f32_to_bf16", 1, 1, 32, s,
                new KernelArgs().ptr(a).ptr(a).i32(1)), "cuModuleGetFunction", "CUDA_ERROR_NOT_FOUND", "hvd_f32_to_bf16");
        expect(CudaException.class, () -> d.launch("hvd_fill_f32", 1, 1, 2048, s,
                new KernelArgs().ptr(a).f32(0).i32(1)), "out of range");
        CudaException bad = expect(CudaException.class, () -> d.streamSynchronize(0), "stream 0x0", "not used");
        equal(400, bad.code(), "code of an unknown stream");
        expect(CudaException.class, () -> d.eventRecord(12345, s), "event 0x3039");
        expect(CudaException.class, () -> d.free(a + 4), "not an allocation of this driver");
        expect(CudaException.class, () -> d.malloc(0), "must be > 0");
        CudaException oom = expect(CudaException.class, () -> d.malloc(2L << 30), "CUDA_ERROR_OUT_OF_MEMORY",
                "lower the batch size", "free of 1024.0 MiB");
        equal(2, oom.code(), "code of out of memory");
        ByteBuffer small = ByteBuffer.allocateDirect(8);
        expect(CudaException.class, () -> d.copyHostToDevice(a, small, 4, 8, s), "does not fit");
        expect(CudaException.class, () -> d.copyDeviceToHost(ByteBuffer.allocate(8), 0, a, 8, s), "direct ByteBuffer");
        // a copy that the driver itself rejects (outside any allocation in the fake) names the call and the status
        expect(CudaException.class, () -> d.copyDeviceToDevice(a, a + 4096, 64, s), "cuMemcpyDtoDAsync failed",
                "CUDA_ERROR_INVALID_VALUE");
    }

    static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextFloat() * 2 - 1;
        }
        return x;
    }

    /** Column-major reference, as cuBLAS defines it. */
    static float[] naive(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int lda, float[] b,
                         int ldb, float beta, float[] c, int ldc) {
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double acc = 0;
                for (int l = 0; l < k; l++) {
                    float x = ta ? a[i * lda + l] : a[l * lda + i];
                    float y = tb ? b[l * ldb + j] : b[j * ldb + l];
                    acc += (double) x * y;
                }
                c[j * ldc + i] = beta == 0 ? (float) (alpha * acc) : (float) (alpha * acc + beta * c[j * ldc + i]);
            }
        }
        return c;
    }

    static void close(float[] want, float[] got, float tol, String what) {
        for (int i = 0; i < want.length; i++) {
            if (!(Math.abs(want[i] - got[i]) <= tol * Math.max(1, Math.abs(want[i])))) {
                throw new AssertionError(what + ": element " + i + " want " + want[i] + ", got " + got[i]);
            }
        }
    }

    static long upload(CudaDriver d, long s, float[] x) {
        long p = d.malloc(Math.max(4L, 4L * x.length));
        ByteBuffer b = ByteBuffer.allocateDirect(4 * x.length).order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(x);
        d.copyHostToDevice(p, b, 0, 4L * x.length, s);
        d.streamSynchronize(s);
        return p;
    }

    static long upload16(CudaDriver d, long s, float[] x, CudaDataType type) {
        long p = d.malloc(2L * x.length);
        ByteBuffer b = ByteBuffer.allocateDirect(2 * x.length).order(ByteOrder.nativeOrder());
        for (int i = 0; i < x.length; i++) {
            b.putShort(2 * i, type == CudaDataType.BF16 ? (short) (Float.floatToIntBits(x[i]) >>> 16) : half(x[i]));
        }
        d.copyHostToDevice(p, b, 0, 2L * x.length, s);
        d.streamSynchronize(s);
        return p;
    }

    /** IEEE half of a float that is exact in half (small multiples of powers of two), for tests. */
    static short half(float f) {
        if (f == 0) {
            return (short) (Float.floatToIntBits(f) >>> 16 & 0x8000);
        }
        int bits = Float.floatToIntBits(f);
        int sign = bits >>> 16 & 0x8000;
        int exp = (bits >>> 23 & 0xff) - 127 + 15;
        int mant = bits >>> 13 & 0x3ff;
        return (short) (sign | exp << 10 | mant);
    }

    static float[] download(CudaDriver d, long s, long p, int n) {
        ByteBuffer b = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder());
        d.copyDeviceToHost(b, 0, p, 4L * n, s);
        d.streamSynchronize(s);
        float[] x = new float[n];
        b.asFloatBuffer().get(x);
        return x;
    }

    // ---- set-up failures ------------------------------------------------------------------------

    static void ordinal() {
        CudaException e = expect(CudaException.class, () -> JavaCppCudaDriver.open(1), "cuda:1",
                "the driver sees 1 device", "CUDA_VISIBLE_DEVICES");
        check(!(e instanceof CudaUnavailableException), "a bad ordinal is a configuration error, not 'no GPU'");
        expect(CudaException.class, () -> JavaCppCudaDriver.open(-1), "cuda:-1");
    }

    static void noDevice() {
        expect(CudaUnavailableException.class, () -> JavaCppCudaDriver.open(0), "no CUDA device",
                "CUDA_VISIBLE_DEVICES");
        check(!Nccl.isAvailable(), "NCCL unavailable without a device");
        check(Nccl.unavailableReason().contains("CUDA_ERROR_NO_DEVICE"), Nccl.unavailableReason());
    }

    /** Run with FAKECUDA_DRIVER_VERSION one major below the preset's CUDA (see {@link FakeCudaDriverTest}). */
    static void oldDriver() {
        int major = CudaLibraries.CUDA_MAJOR;
        if (major >= 13) {
            expect(CudaUnavailableException.class, () -> JavaCppCudaDriver.open(0), "supports CUDA " + (major - 1)
                    + ".4", "CUDA " + major + " libraries", ">= 580", "-Pcuda12");
        } else {
            expect(CudaUnavailableException.class, () -> JavaCppCudaDriver.open(0), "supports CUDA " + (major - 1)
                    + ".4", "CUDA " + major + " libraries", ">= 525");
        }
    }

    static void jit() {
        try (JavaCppCudaDriver d = JavaCppCudaDriver.open(0)) {
            long s = d.streamCreate();
            long a = d.malloc(64);
            for (int i = 0; i < 2; i++) { // the failure is kept: the second launch says the same
                expect(CudaException.class, () -> d.launch("hvd_fill_f32", 1, 1, 32, s,
                        new KernelArgs().ptr(a).f32(0).i32(1)), "cuModuleLoadDataEx failed", "CUDA_ERROR_INVALID_PTX",
                        "ptxas fatal   : fake JIT failure", "(log buffer 65536 bytes)", "fake JIT: ");
            }
            expect(CudaException.class, d::loadKernels, "ptxas fatal");
            // cuBLAS does not need the module
            long c = d.malloc(4);
            d.sgemm(s, false, false, 1, 1, 1, 1f, a, 1, a, 1, 0f, c, 1);
        }
    }

    // ---- NCCL ---------------------------------------------------------------------------------

    static void nccl() throws Exception {
        check(Nccl.isAvailable(), "NCCL available: " + Nccl.unavailableReason());
        equal(22903, Nccl.version(), "version");
        byte[] id = Nccl.uniqueId();
        equal(128, id.length, "id length");
        check(new String(id, 0, 9, StandardCharsets.US_ASCII).equals("FAKENCCL-"), "id bytes");
        try (JavaCppCudaDriver d = JavaCppCudaDriver.open(0)) {
            long s = d.streamCreate();
            long send = upload(d, s, new float[] {1, 2, 3, 4});
            long recv = d.malloc(16);
            try (Nccl n = Nccl.init(0, 1, 0, id, Duration.ofSeconds(20))) {
                equal(0, n.rank(), "rank");
                equal(1, n.size(), "size");
                n.allReduce(send, recv, 4, Nccl.DataType.FLOAT32, Nccl.Op.AVG, s);
                n.synchronize(s);
                close(new float[] {1, 2, 3, 4}, download(d, s, recv, 4), 0, "allreduce");
                n.allReduce(recv, recv, 4, Nccl.DataType.FLOAT32, Nccl.Op.SUM, s); // in place
                n.allGather(send, recv, 2, Nccl.DataType.FLOAT32, s);
                n.broadcast(send, send, 4, Nccl.DataType.INT32, 0, s);
                n.reduceScatter(send, recv, 4, Nccl.DataType.FLOAT32, Nccl.Op.MAX, s);
                n.groupStart();
                n.allReduce(send, recv, 8, Nccl.DataType.BFLOAT16, Nccl.Op.MIN, s);
                n.groupEnd();
                n.synchronize(s, Duration.ofSeconds(5));
                n.checkAsyncError();
                equal(0, n.asyncError(), "async state");
                expect(IllegalArgumentException.class, () -> n.broadcast(send, send, 1, Nccl.DataType.INT8, 1, s),
                        "root 1");
                // from another thread (the runtime's communication thread)
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread t = new Thread(() -> {
                    try {
                        n.allReduce(send, recv, 4, Nccl.DataType.FLOAT32, Nccl.Op.SUM, s);
                        n.synchronize(s);
                    } catch (Throwable x) {
                        failure.set(x);
                    }
                });
                t.start();
                t.join();
                if (failure.get() != null) {
                    throw new AssertionError("NCCL from another thread", failure.get());
                }
                // the fake checks device ranges: a buffer outside an allocation is ncclInvalidArgument
                expect(CudaException.class, () -> n.allReduce(send, recv, 1 << 20, Nccl.DataType.FLOAT32,
                        Nccl.Op.SUM, s), "ncclAllReduce failed", "invalid argument", "outside a device allocation");
                // after an error the communicator is aborted
                expect(CudaException.class, () -> n.allReduce(send, recv, 4, Nccl.DataType.FLOAT32, Nccl.Op.SUM, s),
                        "aborted");
            }
        }
        String nl = log("FAKENCCL_LOG");
        check(nl.contains("init rank=0 nranks=1") && nl.contains("allreduce bytes=16 type=7 op=4")
                        && nl.contains("allgather bytes=8 type=7 op=-1") && nl.contains("broadcast bytes=16 type=2")
                        && nl.contains("reducescatter bytes=16 type=7 op=2") && nl.contains("allreduce bytes=16 type=9 op=3")
                        && nl.contains("abort"),
                "NCCL calls as the fake saw them:\n" + nl);
        // a clean close finalises and destroys
        try (Nccl n = Nccl.init(0, 1, 0, Nccl.uniqueId(), Duration.ofSeconds(20))) {
            check(n.linkedVersion() == 22903, "linked version");
        }
        String after = log("FAKENCCL_LOG");
        check(after.substring(nl.length()).contains("finalize") && after.substring(nl.length()).contains("destroy state=0"),
                "close finalises and destroys:\n" + after);
        String release = lastLine(log("FAKECUDA_LOG"), "release device=0");
        check(release != null && release.contains("count=0") && release.contains("events=0"),
                "NCCL released its context and event: " + release);
    }

    static void ncclTimeout() throws Exception {
        long t0 = System.nanoTime();
        expect(CudaException.class, () -> Nccl.init(0, 2, 0, Nccl.uniqueId(), Duration.ofMillis(700)),
                "rank 0 of 2 on cuda:0 was not joined by every rank within 0.7 s", "aborted");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        check(ms >= 600 && ms < 10_000, "timed out after " + ms + " ms");
        check(log("FAKENCCL_LOG").contains("abort"), "the joining communicator is aborted");
        expect(IllegalArgumentException.class, () -> Nccl.init(0, 1, 0, new byte[5], Duration.ofSeconds(1)),
                "128 bytes");
        expect(CudaException.class, () -> Nccl.init(0, 1, 0, new byte[128], Duration.ofSeconds(1)),
                "ncclCommInitRankConfig failed", "invalid argument", "bad unique id");
    }

    static void ncclAsyncError() throws Exception {
        try (JavaCppCudaDriver d = JavaCppCudaDriver.open(0)) {
            long s = d.streamCreate();
            long buf = d.malloc(64);
            try (Nccl n = Nccl.init(0, 1, 0, Nccl.uniqueId(), Duration.ofSeconds(20))) {
                n.allReduce(buf, buf, 16, Nccl.DataType.FLOAT32, Nccl.Op.SUM, s);
                n.allReduce(buf, buf, 16, Nccl.DataType.FLOAT32, Nccl.Op.SUM, s); // the fake's peer "dies" here
                long t0 = System.nanoTime();
                expect(CudaException.class, () -> n.synchronize(s, Duration.ofSeconds(30)), "ncclCommGetAsyncError",
                        "remote process exited", "fake peer died after 2 collectives");
                check(System.nanoTime() - t0 < 5_000_000_000L, "the error is seen while waiting, not at the deadline");
                expect(CudaException.class, () -> n.allReduce(buf, buf, 16, Nccl.DataType.FLOAT32, Nccl.Op.SUM, s),
                        "aborted");
            }
        }
        check(log("FAKENCCL_LOG").contains("abort"), "aborted after the asynchronous error");
    }

    static void ncclAbortFromThread() throws Exception {
        try (JavaCppCudaDriver d = JavaCppCudaDriver.open(0)) {
            long s = d.streamCreate();
            long buf = d.malloc(64);
            Nccl n = Nccl.init(0, 1, 0, Nccl.uniqueId(), Duration.ofSeconds(20));
            n.allReduce(buf, buf, 16, Nccl.DataType.FLOAT32, Nccl.Op.SUM, s);
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    return;
                }
                n.abort("the job is torn down");
            });
            t.start();
            long t0 = System.nanoTime();
            // the fake's event never completes: only the abort ends the wait
            expect(CudaException.class, () -> n.synchronize(s, Duration.ofSeconds(60)), "the job is torn down");
            check(System.nanoTime() - t0 < 10_000_000_000L, "abort ends the wait promptly");
            t.join();
            n.abort("again"); // idempotent
            n.close();
            n.close();
        }
    }
}
