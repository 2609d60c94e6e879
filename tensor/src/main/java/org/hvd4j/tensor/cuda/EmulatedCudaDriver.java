package org.hvd4j.tensor.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.hvd4j.cuda.CudaDataType;
import org.hvd4j.cuda.CudaDeviceInfo;
import org.hvd4j.cuda.CudaDriver;
import org.hvd4j.cuda.CudaException;
import org.hvd4j.cuda.KernelArgs;
import org.hvd4j.cuda.KernelSignatures;

/**
 * A {@link CudaDriver} without a GPU: device memory is host memory at made-up addresses
 * ({@link EmulatedMemory}), each kernel launch runs the kernel's CPU twin ({@link KernelTwins}),
 * and GEMM is OpenBLAS called with cuBLAS's column-major arguments ({@link EmulatedBlas}).
 *
 * <p>Work is <em>deferred</em> as on a GPU: copies and launches are queued per stream and run only
 * when something waits for them (stream or event synchronisation, a free, or a long queue). So a
 * backend that reads a host buffer before synchronising, or reuses a pinned staging buffer too
 * early, reads stale data here too, and the tests catch it. Launch arguments are checked against
 * the kernel header and every memory access against the allocations.
 */
public final class EmulatedCudaDriver implements CudaDriver {
    /** Queue length at which a stream runs its backlog (a GPU would be busy with it long since). */
    private static final int MAX_BACKLOG = 4096;

    private final EmulatedMemory memory = new EmulatedMemory();
    private final KernelTwins twins = new KernelTwins(memory);
    private final EmulatedBlas blas = new EmulatedBlas(memory);
    private final KernelSignatures signatures = KernelSignatures.shipped();
    private final Map<Long, ArrayDeque<Runnable>> streams = new HashMap<>();
    private final Map<Long, Event> events = new HashMap<>();
    private long nextHandle = 1;
    private long launches;
    private boolean closed;

    /** A recorded event: the stream it was recorded on and the marker that completes it. */
    private static final class Event {
        long stream;
        boolean done = true;
    }

    @Override
    public String name() {
        return "emulated";
    }

    @Override
    public CudaDeviceInfo device() {
        return new CudaDeviceInfo(0, "hvd4j emulated CUDA device (host memory, CPU twins)", 0, 0,
                Runtime.getRuntime().maxMemory());
    }

    /** Kernel launches so far (tests check that work really went through the launch path). */
    public synchronized long launches() {
        return launches;
    }

    /** Live device allocations (the caching allocator's tests read it). */
    public synchronized int allocations() {
        return memory.allocations();
    }

    // ---- memory ---------------------------------------------------------------------------------

    @Override
    public synchronized long malloc(long bytes) {
        open();
        return memory.allocate(bytes);
    }

    @Override
    public synchronized void free(long address) {
        open();
        drainAll(); // cuMemFree synchronises the device
        memory.free(address);
    }

    @Override
    public synchronized long[] memoryInfo() {
        long total = Runtime.getRuntime().maxMemory();
        return new long[] {Math.max(0, total - memory.used()), total};
    }

    @Override
    public ByteBuffer hostAlloc(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    @Override
    public void hostFree(ByteBuffer buffer) {
        // direct buffers are freed by the garbage collector
    }

    // ---- streams and events ---------------------------------------------------------------------

    @Override
    public synchronized long streamCreate() {
        open();
        long h = nextHandle++;
        streams.put(h, new ArrayDeque<>());
        return h;
    }

    @Override
    public synchronized void streamSynchronize(long stream) {
        drain(queue(stream, "cuStreamSynchronize"));
    }

    @Override
    public synchronized void streamDestroy(long stream) {
        drain(queue(stream, "cuStreamDestroy"));
        streams.remove(stream);
    }

    @Override
    public synchronized long eventCreate() {
        open();
        long h = nextHandle++;
        events.put(h, new Event());
        return h;
    }

    @Override
    public synchronized void eventRecord(long event, long stream) {
        Event e = event(event, "cuEventRecord");
        e.stream = stream;
        e.done = false;
        enqueue(stream, "cuEventRecord", () -> e.done = true);
    }

    @Override
    public synchronized void streamWaitEvent(long stream, long event) {
        Event e = event(event, "cuStreamWaitEvent");
        long source = e.stream;
        enqueue(stream, "cuStreamWaitEvent", () -> runUntil(e, source));
    }

    @Override
    public synchronized void eventSynchronize(long event) {
        Event e = event(event, "cuEventSynchronize");
        runUntil(e, e.stream);
    }

    @Override
    public synchronized void eventDestroy(long event) {
        events.remove(event);
    }

    private void runUntil(Event e, long stream) {
        ArrayDeque<Runnable> q = streams.get(stream);
        while (!e.done && q != null && !q.isEmpty()) {
            q.pollFirst().run();
        }
    }

    // ---- copies -------------------------------------------------------------------------------

    @Override
    public synchronized void copyHostToDevice(long dst, ByteBuffer src, int srcPos, long bytes, long stream) {
        checkDirect(src, "cuMemcpyHtoDAsync");
        enqueue(stream, "cuMemcpyHtoDAsync", () -> memory.bytes(dst, bytes, "cuMemcpyHtoDAsync")
                .put(0, src, srcPos, (int) bytes));
    }

    @Override
    public synchronized void copyDeviceToHost(ByteBuffer dst, int dstPos, long src, long bytes, long stream) {
        checkDirect(dst, "cuMemcpyDtoHAsync");
        enqueue(stream, "cuMemcpyDtoHAsync", () -> dst.put(dstPos, memory.bytes(src, bytes, "cuMemcpyDtoHAsync"),
                0, (int) bytes));
    }

    @Override
    public synchronized void copyDeviceToDevice(long dst, long src, long bytes, long stream) {
        enqueue(stream, "cuMemcpyDtoDAsync", () -> memory.bytes(dst, bytes, "cuMemcpyDtoDAsync")
                .put(0, memory.bytes(src, bytes, "cuMemcpyDtoDAsync"), 0, (int) bytes));
    }

    @Override
    public synchronized void memset(long dst, byte value, long bytes, long stream) {
        enqueue(stream, "cuMemsetD8Async", () -> {
            ByteBuffer b = memory.bytes(dst, bytes, "cuMemsetD8Async");
            for (int i = 0; i < bytes; i++) {
                b.put(i, value);
            }
        });
    }

    private static void checkDirect(ByteBuffer b, String call) {
        if (!b.isDirect()) {
            throw new CudaException(call, 1, call + " needs a direct (native) host buffer, got a heap buffer");
        }
    }

    // ---- kernels and GEMM -------------------------------------------------------------------------

    @Override
    public synchronized void launch(String name, int gridX, int gridY, int blockX, long stream, KernelArgs args) {
        signatures.check(name, args);
        if (gridX < 1 || gridY < 1 || gridY > 65535 || blockX < 1 || blockX > 1024) {
            throw new CudaException("cuLaunchKernel", 1, "CUDA_ERROR_INVALID_VALUE (emulated): " + name
                    + " launched with grid " + gridX + "x" + gridY + " and " + blockX
                    + " threads per block (grid x >= 1, 1 <= y <= 65535, 1 <= threads <= 1024)");
        }
        KernelTwins.Launch launch = new KernelTwins.Launch(name, gridX, gridY, blockX, args);
        twins.check(launch); // an unknown kernel or a geometry the kernel cannot handle fails at the call
        launches++;
        enqueue(stream, name, () -> twins.run(launch));
    }

    @Override
    public synchronized void sgemm(long stream, boolean transA, boolean transB, int m, int n, int k, float alpha,
                                   long a, int lda, long b, int ldb, float beta, long c, int ldc) {
        EmulatedBlas.Gemm g = blas.check("cublasSgemm", CudaDataType.F32, transA, transB, m, n, k,
                a, lda, 0, b, ldb, 0, c, ldc, 0, 1);
        enqueue(stream, "cublasSgemm", () -> blas.run(g, alpha, beta));
    }

    @Override
    public synchronized void sgemmStridedBatched(long stream, boolean transA, boolean transB, int m, int n, int k,
                                                 float alpha, long a, int lda, long strideA, long b, int ldb,
                                                 long strideB, float beta, long c, int ldc, long strideC,
                                                 int batch) {
        EmulatedBlas.Gemm g = blas.check("cublasSgemmStridedBatched", CudaDataType.F32, transA, transB, m, n, k,
                a, lda, strideA, b, ldb, strideB, c, ldc, strideC, batch);
        enqueue(stream, "cublasSgemmStridedBatched", () -> blas.run(g, alpha, beta));
    }

    @Override
    public synchronized void gemmEx16(long stream, CudaDataType inputType, boolean transA, boolean transB,
                                      int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
                                      float beta, long c, int ldc) {
        if (inputType == CudaDataType.F32) {
            throw new CudaException("cublasGemmEx", 7, "gemmEx16 takes BF16 or F16 inputs, got F32: use sgemm");
        }
        EmulatedBlas.Gemm g = blas.check("cublasGemmEx", inputType, transA, transB, m, n, k,
                a, lda, 0, b, ldb, 0, c, ldc, 0, 1);
        enqueue(stream, "cublasGemmEx", () -> blas.run(g, alpha, beta));
    }

    @Override
    public void setTf32(boolean allowed) {
        // exact float32 satisfies both math modes
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            drainAll();
            closed = true;
        }
    }

    // ---- queues -------------------------------------------------------------------------------

    private void enqueue(long stream, String call, Runnable op) {
        ArrayDeque<Runnable> q = queue(stream, call);
        q.addLast(op);
        if (q.size() > MAX_BACKLOG) {
            drain(q);
        }
    }

    private ArrayDeque<Runnable> queue(long stream, String call) {
        open();
        ArrayDeque<Runnable> q = streams.get(stream);
        if (q == null) {
            throw new CudaException(call, 400, "CUDA_ERROR_INVALID_HANDLE (emulated): " + call
                    + " on stream " + stream + ", which was never created or is destroyed");
        }
        return q;
    }

    private Event event(long event, String call) {
        Event e = events.get(event);
        if (e == null) {
            throw new CudaException(call, 400, "CUDA_ERROR_INVALID_HANDLE (emulated): " + call
                    + " on event " + event + ", which was never created or is destroyed");
        }
        return e;
    }

    private static void drain(ArrayDeque<Runnable> q) {
        while (!q.isEmpty()) {
            q.pollFirst().run();
        }
    }

    private void drainAll() {
        boolean more = true;
        while (more) { // a stream may wait on another's event, which runs the other one's queue
            more = false;
            for (ArrayDeque<Runnable> q : streams.values()) {
                if (!q.isEmpty()) {
                    drain(q);
                    more = true;
                }
            }
        }
    }

    private void open() {
        if (closed) {
            throw new CudaException("cuCtx", 709, "the emulated CUDA driver is closed");
        }
    }
}
