package org.hvd4j.cuda;

import static org.bytedeco.cuda.global.cudart.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * {@link CudaDriver} over the CUDA driver API and cuBLAS through the JavaCPP CUDA preset.
 *
 * <p>One device's primary context (shared with the CUDA runtime, cuBLAS and NCCL) is made current on
 * every thread that calls in. Kernels come from the PTX module {@value #PTX_RESOURCE}, JIT-compiled
 * by the driver at the first launch; their arguments are checked against {@link KernelSignatures}
 * and packed into a per-thread native parameter block, so a launch allocates no native memory.
 * cuBLAS runs with one handle, host-side alpha/beta, and the stream of each call.
 *
 * <p>The driver tracks what it allocated (device and pinned memory, streams, events): a handle it
 * did not make is rejected with a {@link CudaException} instead of being passed to CUDA, and
 * {@link #close} frees whatever is left.
 */
public final class JavaCppCudaDriver implements CudaDriver {
    /** Classpath location of the kernels' PTX. */
    public static final String PTX_RESOURCE = "/org/hvd4j/cuda/hvd4j_kernels.ptx";

    private static final int JIT_LOG_BYTES = 64 * 1024;
    private static final int INITIAL_PARAM_SLOTS = 32;

    private final PrimaryContext context;
    private final CudaDeviceInfo info;
    private final cublasContext blas;

    private final Map<Long, Long> deviceMemory = new ConcurrentHashMap<>();
    private final Map<Long, Pointer> pinned = new ConcurrentHashMap<>();
    private final Map<Long, CUstream_st> streams = new ConcurrentHashMap<>();
    private final Map<Long, CUevent_st> events = new ConcurrentHashMap<>();

    private final Object moduleLock = new Object();
    private final Map<String, CUfunc_st> functions = new ConcurrentHashMap<>();
    private CUmod_st module;
    private CudaException moduleFailure;

    private final ThreadLocal<KernelParamBlock[]> paramBlocks = ThreadLocal.withInitial(() -> new KernelParamBlock[1]);
    private final List<KernelParamBlock> allParamBlocks = new ArrayList<>();

    /** Guards the cuBLAS handle: its stream and math mode are handle state, so a call sets and uses them atomically. */
    private final Object blasLock = new Object();
    private final Pointer scalars;
    private final FloatPointer alpha;
    private final FloatPointer beta;
    private long blasStream = -1;

    private final Object closeLock = new Object();
    private volatile boolean closed;

    private JavaCppCudaDriver(PrimaryContext context, CudaDeviceInfo info, cublasContext blas, Pointer scalars) {
        this.context = context;
        this.info = info;
        this.blas = blas;
        this.scalars = scalars;
        this.alpha = new NativePointers.FloatsAt(scalars.address());
        this.beta = new NativePointers.FloatsAt(scalars.address() + Float.BYTES);
    }

    /**
     * Opens device {@code ordinal} (as numbered after {@code CUDA_VISIBLE_DEVICES}).
     *
     * @throws CudaUnavailableException when the CUDA libraries cannot be loaded (the message names the
     *         missing library and what to install), when the driver finds no device, or when the driver
     *         is too old for this build's CUDA version
     * @throws CudaException when {@code ordinal} is out of range, or a later step of the set-up fails
     */
    public static synchronized JavaCppCudaDriver open(int ordinal) {
        CudaLibraries.requireCuda();
        int device = initDevice(ordinal);
        PrimaryContext ctx = PrimaryContext.retain(device);
        Pointer scalars = null;
        cublasContext handle = null;
        try {
            CudaDeviceInfo info = describe(ordinal, device);
            handle = new cublasContext();
            int st = cublas.cublasCreate_v2(handle);
            if (st != cublas.CUBLAS_STATUS_SUCCESS) {
                handle = null;
                throw CudaErrors.blas("cublasCreate_v2", st, "the cuBLAS handle of " + info);
            }
            CudaErrors.checkBlas(cublas.cublasSetPointerMode_v2(handle, cublas.CUBLAS_POINTER_MODE_HOST),
                    "cublasSetPointerMode_v2", "host-side alpha and beta");
            CudaErrors.checkBlas(cublas.cublasSetMathMode(handle, cublas.CUBLAS_DEFAULT_MATH), "cublasSetMathMode",
                    "the default math mode");
            scalars = Pointer.malloc(2 * Float.BYTES);
            if (scalars == null || scalars.isNull()) {
                throw new OutOfMemoryError("malloc of 8 bytes for the GEMM scalars failed");
            }
            return new JavaCppCudaDriver(ctx, info, handle, scalars);
        } catch (RuntimeException | Error e) {
            if (handle != null) {
                cublas.cublasDestroy_v2(handle);
            }
            if (scalars != null) {
                Pointer.free(scalars);
            }
            ctx.release();
            throw e;
        }
    }

    /** cuInit, the device count and the version check; the CUdevice of {@code ordinal}. */
    static int initDevice(int ordinal) {
        int rc = cuInit(0);
        if (rc == CUDA_ERROR_NO_DEVICE) {
            throw new CudaUnavailableException("cuInit", rc, "no CUDA device: cuInit reports " + CudaErrors.driverName(rc)
                    + " (" + CudaLibraries.visibleDevices() + "; nvidia-smi -L lists the GPUs the driver sees)."
                    + " Use --device cpu to run without a GPU");
        }
        if (rc != CUDA_SUCCESS) {
            CudaException e = CudaErrors.driver("cuInit", rc, "initialising the NVIDIA driver");
            throw new CudaUnavailableException("cuInit", rc, "CUDA is not usable here: " + e.getMessage());
        }
        int[] count = new int[1];
        CudaErrors.check(cuDeviceGetCount(count), "cuDeviceGetCount");
        if (count[0] == 0) {
            throw new CudaUnavailableException("cuDeviceGetCount", CUDA_ERROR_NO_DEVICE, "no CUDA device: the driver"
                    + " reports 0 devices (" + CudaLibraries.visibleDevices() + "). Use --device cpu to run"
                    + " without a GPU");
        }
        int[] version = new int[1];
        CudaErrors.check(cuDriverGetVersion(version), "cuDriverGetVersion");
        if (version[0] / 1000 < CudaLibraries.CUDA_MAJOR) {
            throw new CudaUnavailableException("cuDriverGetVersion", CudaErrors.CALL_REQUIRES_NEWER_DRIVER,
                    "the NVIDIA driver supports CUDA " + version[0] / 1000 + "." + version[0] % 1000 / 10
                            + ", but this build of hvd4j uses the CUDA " + CudaLibraries.CUDA_MAJOR + " libraries"
                            + " (CUDA_VERSION " + CUDA_VERSION + "): update the driver to >= "
                            + (CudaLibraries.CUDA_MAJOR >= 13 ? "580, or build hvd4j with -Pcuda12" : "525"));
        }
        if (ordinal < 0 || ordinal >= count[0]) {
            throw new CudaException("cuDeviceGet", CUDA_ERROR_INVALID_DEVICE, "no CUDA device cuda:" + ordinal
                    + ": the driver sees " + count[0] + " device" + (count[0] == 1 ? "" : "s") + " (cuda:0"
                    + (count[0] > 1 ? "..cuda:" + (count[0] - 1) : "") + "; " + CudaLibraries.visibleDevices()
                    + "). With several ranks per host, each rank takes cuda:<local rank>: start at most "
                    + count[0] + " per host or make more GPUs visible");
        }
        int[] dev = new int[1];
        CudaErrors.check(cuDeviceGet(dev, ordinal), "cuDeviceGet", "getting device " + ordinal);
        return dev[0];
    }

    private static CudaDeviceInfo describe(int ordinal, int device) {
        byte[] name = new byte[256];
        CudaErrors.check(cuDeviceGetName(name, name.length, device), "cuDeviceGetName");
        int len = 0;
        while (len < name.length && name[len] != 0) {
            len++;
        }
        int[] major = new int[1];
        int[] minor = new int[1];
        CudaErrors.check(cuDeviceGetAttribute(major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device),
                "cuDeviceGetAttribute", "reading the compute capability");
        CudaErrors.check(cuDeviceGetAttribute(minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device),
                "cuDeviceGetAttribute", "reading the compute capability");
        long total;
        try (SizeTPointer t = new SizeTPointer(1)) {
            CudaErrors.check(cuDeviceTotalMem(t, device), "cuDeviceTotalMem");
            total = t.get(0);
        }
        return new CudaDeviceInfo(ordinal, new String(name, 0, len, StandardCharsets.UTF_8), major[0], minor[0], total);
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public CudaDeviceInfo device() {
        return info;
    }

    /** Every call starts here: refuses a closed driver and makes the context current on this thread. */
    private void enter(String call) {
        if (closed) {
            throw new CudaException(call, CUDA_ERROR_CONTEXT_IS_DESTROYED, call + " on the CUDA driver of " + info
                    + ", which is closed");
        }
        context.bind();
    }

    // ---- memory -------------------------------------------------------------------------------

    @Override
    public long malloc(long bytes) {
        enter("cuMemAlloc");
        if (bytes <= 0) {
            throw new CudaException("cuMemAlloc", CUDA_ERROR_INVALID_VALUE, "cuMemAlloc of " + bytes
                    + " bytes: the size must be > 0");
        }
        long[] ptr = new long[1];
        int rc = cuMemAlloc(ptr, bytes);
        if (rc != CUDA_SUCCESS) {
            String what = "allocating " + mib(bytes) + " on " + info;
            if (rc == CUDA_ERROR_OUT_OF_MEMORY) {
                long[] m = memoryInfoOrNull();
                if (m != null) {
                    what += " (" + mib(m[0]) + " free of " + mib(m[1]) + ", " + mib(allocatedBytes())
                            + " held by hvd4j's driver)";
                }
            }
            throw CudaErrors.driver("cuMemAlloc", rc, what);
        }
        deviceMemory.put(ptr[0], bytes);
        return ptr[0];
    }

    @Override
    public void free(long address) {
        enter("cuMemFree");
        if (deviceMemory.remove(address) == null) {
            throw new CudaException("cuMemFree", CUDA_ERROR_INVALID_VALUE, "cuMemFree of 0x" + Long.toHexString(address)
                    + ", which is not an allocation of this driver (freed twice, or an address inside one)");
        }
        CudaErrors.check(cuMemFree(address), "cuMemFree", "freeing 0x" + Long.toHexString(address));
    }

    /** Bytes of device memory currently allocated through this driver. */
    public long allocatedBytes() {
        long sum = 0;
        for (long b : deviceMemory.values()) {
            sum += b;
        }
        return sum;
    }

    @Override
    public long[] memoryInfo() {
        enter("cuMemGetInfo");
        try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
            CudaErrors.check(cuMemGetInfo(free, total), "cuMemGetInfo");
            return new long[] {free.get(0), total.get(0)};
        }
    }

    private long[] memoryInfoOrNull() {
        try {
            return memoryInfo();
        } catch (CudaException e) {
            return null;
        }
    }

    @Override
    public ByteBuffer hostAlloc(int bytes) {
        enter("cuMemHostAlloc");
        if (bytes <= 0) {
            throw new CudaException("cuMemHostAlloc", CUDA_ERROR_INVALID_VALUE, "cuMemHostAlloc of " + bytes
                    + " bytes: the size must be > 0");
        }
        Pointer p;
        try (PointerPointer<Pointer> out = new PointerPointer<>(1)) {
            CudaErrors.check(cuMemHostAlloc(out, bytes, CU_MEMHOSTALLOC_PORTABLE), "cuMemHostAlloc",
                    "allocating " + mib(bytes) + " of pinned host memory (is the locked-memory limit, ulimit -l,"
                            + " too low?)");
            p = new NativePointers.At(out.get(0).address());
        }
        if (p.isNull()) {
            throw new CudaException("cuMemHostAlloc", CUDA_ERROR_OUT_OF_MEMORY, "cuMemHostAlloc returned NULL");
        }
        pinned.put(p.address(), p);
        return NativePointers.bufferAt(p.address(), bytes);
    }

    @Override
    public void hostFree(ByteBuffer buffer) {
        enter("cuMemFreeHost");
        long base = NativePointers.baseAddress(buffer);
        Pointer p = pinned.remove(base);
        if (p == null) {
            throw new CudaException("cuMemFreeHost", CUDA_ERROR_INVALID_VALUE, "cuMemFreeHost of a buffer at 0x"
                    + Long.toHexString(base) + ", which is not one from hostAlloc (freed twice, or a slice of one)");
        }
        CudaErrors.check(cuMemFreeHost(p), "cuMemFreeHost");
    }

    // ---- streams and events -------------------------------------------------------------------

    @Override
    public long streamCreate() {
        enter("cuStreamCreate");
        CUstream_st s = new CUstream_st();
        CudaErrors.check(cuStreamCreate(s, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        streams.put(s.address(), s);
        return s.address();
    }

    @Override
    public void streamSynchronize(long stream) {
        enter("cuStreamSynchronize");
        CudaErrors.check(cuStreamSynchronize(stream(stream, "cuStreamSynchronize")), "cuStreamSynchronize",
                "waiting for stream 0x" + Long.toHexString(stream));
    }

    @Override
    public void streamDestroy(long stream) {
        enter("cuStreamDestroy");
        CUstream_st s = stream(stream, "cuStreamDestroy");
        streams.remove(stream);
        CudaErrors.check(cuStreamDestroy(s), "cuStreamDestroy");
    }

    @Override
    public long eventCreate() {
        enter("cuEventCreate");
        CUevent_st e = new CUevent_st();
        CudaErrors.check(cuEventCreate(e, CU_EVENT_DISABLE_TIMING), "cuEventCreate");
        events.put(e.address(), e);
        return e.address();
    }

    @Override
    public void eventRecord(long event, long stream) {
        enter("cuEventRecord");
        CudaErrors.check(cuEventRecord(event(event, "cuEventRecord"), stream(stream, "cuEventRecord")),
                "cuEventRecord");
    }

    @Override
    public void streamWaitEvent(long stream, long event) {
        enter("cuStreamWaitEvent");
        CudaErrors.check(cuStreamWaitEvent(stream(stream, "cuStreamWaitEvent"), event(event, "cuStreamWaitEvent"), 0),
                "cuStreamWaitEvent");
    }

    @Override
    public void eventSynchronize(long event) {
        enter("cuEventSynchronize");
        CudaErrors.check(cuEventSynchronize(event(event, "cuEventSynchronize")), "cuEventSynchronize");
    }

    /** Whether {@code event} has completed ({@code cuEventQuery}), without blocking. */
    public boolean eventQuery(long event) {
        enter("cuEventQuery");
        int rc = cuEventQuery(event(event, "cuEventQuery"));
        if (rc == CUDA_ERROR_NOT_READY) {
            return false;
        }
        CudaErrors.check(rc, "cuEventQuery");
        return true;
    }

    @Override
    public void eventDestroy(long event) {
        enter("cuEventDestroy");
        CUevent_st e = event(event, "cuEventDestroy");
        events.remove(event);
        CudaErrors.check(cuEventDestroy(e), "cuEventDestroy");
    }

    private CUstream_st stream(long handle, String call) {
        CUstream_st s = streams.get(handle);
        if (s == null) {
            throw new CudaException(call, CUDA_ERROR_INVALID_HANDLE, call + " on stream 0x" + Long.toHexString(handle)
                    + ", which this driver did not create or has destroyed"
                    + (handle == 0 ? " (stream 0, the legacy default stream, is not used: create one)" : ""));
        }
        return s;
    }

    private CUevent_st event(long handle, String call) {
        CUevent_st e = events.get(handle);
        if (e == null) {
            throw new CudaException(call, CUDA_ERROR_INVALID_HANDLE, call + " on event 0x" + Long.toHexString(handle)
                    + ", which this driver did not create or has destroyed");
        }
        return e;
    }

    // ---- copies ---------------------------------------------------------------------------------

    @Override
    public void copyHostToDevice(long dst, ByteBuffer src, int srcPos, long bytes, long stream) {
        enter("cuMemcpyHtoDAsync");
        long host = NativePointers.hostAddress(src, srcPos, bytes, "cuMemcpyHtoDAsync");
        CUstream_st s = stream(stream, "cuMemcpyHtoDAsync");
        if (bytes == 0) {
            return;
        }
        CudaErrors.check(cuMemcpyHtoDAsync(dst, new NativePointers.At(host), bytes, s), "cuMemcpyHtoDAsync",
                "copying " + bytes + " bytes to 0x" + Long.toHexString(dst));
    }

    @Override
    public void copyDeviceToHost(ByteBuffer dst, int dstPos, long src, long bytes, long stream) {
        enter("cuMemcpyDtoHAsync");
        long host = NativePointers.hostAddress(dst, dstPos, bytes, "cuMemcpyDtoHAsync");
        if (dst.isReadOnly()) {
            throw new CudaException("cuMemcpyDtoHAsync", CUDA_ERROR_INVALID_VALUE,
                    "cuMemcpyDtoHAsync into a read-only buffer");
        }
        CUstream_st s = stream(stream, "cuMemcpyDtoHAsync");
        if (bytes == 0) {
            return;
        }
        CudaErrors.check(cuMemcpyDtoHAsync(new NativePointers.At(host), src, bytes, s), "cuMemcpyDtoHAsync",
                "copying " + bytes + " bytes from 0x" + Long.toHexString(src));
    }

    @Override
    public void copyDeviceToDevice(long dst, long src, long bytes, long stream) {
        enter("cuMemcpyDtoDAsync");
        CUstream_st s = stream(stream, "cuMemcpyDtoDAsync");
        if (bytes < 0) {
            throw new CudaException("cuMemcpyDtoDAsync", CUDA_ERROR_INVALID_VALUE, "negative size " + bytes);
        }
        if (bytes == 0) {
            return;
        }
        CudaErrors.check(cuMemcpyDtoDAsync(dst, src, bytes, s), "cuMemcpyDtoDAsync",
                "copying " + bytes + " bytes from 0x" + Long.toHexString(src) + " to 0x" + Long.toHexString(dst));
    }

    @Override
    public void memset(long dst, byte value, long bytes, long stream) {
        enter("cuMemsetD8Async");
        CUstream_st s = stream(stream, "cuMemsetD8Async");
        if (bytes < 0) {
            throw new CudaException("cuMemsetD8Async", CUDA_ERROR_INVALID_VALUE, "negative size " + bytes);
        }
        if (bytes == 0) {
            return;
        }
        CudaErrors.check(cuMemsetD8Async(dst, value, bytes, s), "cuMemsetD8Async",
                "setting " + bytes + " bytes at 0x" + Long.toHexString(dst));
    }

    // ---- kernels --------------------------------------------------------------------------------

    @Override
    public void launch(String name, int gridX, int gridY, int blockX, long stream, KernelArgs args) {
        enter("cuLaunchKernel");
        KernelSignatures.shipped().check(name, args);
        if (gridX < 1 || gridY < 1 || gridY > 65535 || blockX < 1 || blockX > 1024) {
            throw new CudaException("cuLaunchKernel", CUDA_ERROR_INVALID_VALUE, "kernel " + name + ": grid " + gridX
                    + "x" + gridY + " of " + blockX + "-thread blocks is out of range (grid x >= 1, 1 <= grid y"
                    + " <= 65535, 1 <= block <= 1024)");
        }
        CUstream_st s = stream(stream, "cuLaunchKernel");
        CUfunc_st f = function(name);
        PointerPointer<Pointer> params = paramBlock(args.size()).pack(args);
        int rc = cuLaunchKernel(f, gridX, gridY, 1, blockX, 1, 1, 0, s, params, (PointerPointer<?>) null);
        if (rc != CUDA_SUCCESS) {
            throw CudaErrors.driver("cuLaunchKernel", rc, "launching " + name + args.signature() + " on a " + gridX
                    + "x" + gridY + " grid of " + blockX + "-thread blocks");
        }
    }

    /** This thread's parameter block, grown when a launch has more arguments than it holds. */
    private KernelParamBlock paramBlock(int args) {
        KernelParamBlock[] slot = paramBlocks.get();
        KernelParamBlock b = slot[0];
        if (b == null || b.slots() < args) {
            KernelParamBlock grown = new KernelParamBlock(Math.max(INITIAL_PARAM_SLOTS, Integer.highestOneBit(args) * 2));
            synchronized (allParamBlocks) {
                if (closed) {
                    grown.close();
                    throw new CudaException("cuLaunchKernel", CUDA_ERROR_CONTEXT_IS_DESTROYED, "the driver is closed");
                }
                allParamBlocks.add(grown);
                if (b != null) {
                    allParamBlocks.remove(b);
                    b.close();
                }
            }
            slot[0] = grown;
            b = grown;
        }
        return b;
    }

    /** The CUfunction of {@code name}, loading the PTX module at the first call. */
    private CUfunc_st function(String name) {
        CUfunc_st f = functions.get(name);
        if (f != null) {
            return f;
        }
        synchronized (moduleLock) {
            f = functions.get(name);
            if (f != null) {
                return f;
            }
            CUmod_st m = module();
            CUfunc_st fn = new CUfunc_st();
            int rc = cuModuleGetFunction(fn, m, name);
            if (rc != CUDA_SUCCESS) {
                throw CudaErrors.driver("cuModuleGetFunction", rc, "looking up kernel '" + name + "' in "
                        + PTX_RESOURCE + " (declared in hvd4j_kernels.h but not defined in the .cu sources?)");
            }
            functions.put(name, fn);
            return fn;
        }
    }

    /**
     * Loads the kernels' PTX now instead of at the first launch (the driver JIT-compiles it for this
     * GPU, which can take seconds the first time; the driver caches the result in ~/.nv/ComputeCache).
     *
     * @throws CudaException if the PTX is missing or does not compile; the message holds the JIT log
     */
    public void loadKernels() {
        enter("cuModuleLoadDataEx");
        synchronized (moduleLock) {
            module();
        }
    }

    private CUmod_st module() {
        if (module != null) {
            return module;
        }
        if (moduleFailure != null) {
            CudaException again = new CudaException(moduleFailure.call(), moduleFailure.code(),
                    moduleFailure.getMessage());
            again.initCause(moduleFailure);
            throw again;
        }
        try {
            module = loadModule(readPtx());
            return module;
        } catch (CudaException e) {
            moduleFailure = e;
            throw e;
        }
    }

    /** The PTX text, or a CudaException saying that it is missing. Package-private for tests. */
    static byte[] readPtx() {
        try (InputStream in = JavaCppCudaDriver.class.getResourceAsStream(PTX_RESOURCE)) {
            if (in == null) {
                throw new CudaException("cuModuleLoadDataEx", CUDA_ERROR_FILE_NOT_FOUND, "the kernels' PTX "
                        + PTX_RESOURCE + " is not on the classpath: this hvd4j-native jar was built without it"
                        + " (the build compiles native/src/main/cuda/*.cu with nvcc; rebuild native on a machine"
                        + " with the CUDA toolkit: mvn -pl native install)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new CudaException("cuModuleLoadDataEx", CUDA_ERROR_FILE_NOT_FOUND, "cannot read " + PTX_RESOURCE
                    + ": " + e.getMessage());
        }
    }

    private static CUmod_st loadModule(byte[] ptx) {
        // the image is NUL-terminated PTX text; the JIT writes its logs into the two buffers
        try (BytePointer image = new BytePointer(ptx.length + 1L);
             BytePointer errorLog = new BytePointer(JIT_LOG_BYTES);
             BytePointer infoLog = new BytePointer(JIT_LOG_BYTES);
             IntPointer options = new IntPointer(4);
             PointerPointer<Pointer> values = new PointerPointer<>(4)) {
            image.put(ptx, 0, ptx.length).put(ptx.length, (byte) 0);
            Pointer.memset(errorLog, 0, JIT_LOG_BYTES);
            Pointer.memset(infoLog, 0, JIT_LOG_BYTES);
            options.put(0, CU_JIT_ERROR_LOG_BUFFER).put(1, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES)
                    .put(2, CU_JIT_INFO_LOG_BUFFER).put(3, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES);
            // a size option's value is the number itself in the pointer-sized slot
            values.put(0, errorLog).put(1, new NativePointers.At(JIT_LOG_BYTES))
                    .put(2, infoLog).put(3, new NativePointers.At(JIT_LOG_BYTES));
            CUmod_st m = new CUmod_st();
            int rc = cuModuleLoadDataEx(m, image, 4, options, values);
            if (rc != CUDA_SUCCESS) {
                String log = errorLog.getString().trim();
                String info = infoLog.getString().trim();
                throw CudaErrors.driver("cuModuleLoadDataEx", rc, "JIT-compiling " + PTX_RESOURCE + " ("
                        + ptx.length + " bytes of PTX)" + (log.isEmpty() ? "; the JIT error log is empty"
                        : "; JIT error log:\n" + log) + (info.isEmpty() ? "" : "\nJIT info log:\n" + info) + "\n");
            }
            return m;
        }
    }

    // ---- cuBLAS -------------------------------------------------------------------------------

    private static int op(boolean trans) {
        return trans ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N;
    }

    /** Sets the handle's stream unless it is set already; call with blasLock held. */
    private void useStream(CUstream_st s) {
        if (s.address() != blasStream) {
            CudaErrors.checkBlas(cublas.cublasSetStream_v2(blas, s), "cublasSetStream_v2", "stream 0x"
                    + Long.toHexString(s.address()));
            blasStream = s.address();
        }
    }

    private static String dims(boolean transA, boolean transB, int m, int n, int k, int lda, int ldb, int ldc) {
        return (transA ? "T" : "N") + (transB ? "T" : "N") + " m=" + m + " n=" + n + " k=" + k + " lda=" + lda
                + " ldb=" + ldb + " ldc=" + ldc;
    }

    @Override
    public void sgemm(long stream, boolean transA, boolean transB, int m, int n, int k, float alpha,
                      long a, int lda, long b, int ldb, float beta, long c, int ldc) {
        enter("cublasSgemm_v2");
        CUstream_st s = stream(stream, "cublasSgemm_v2");
        int st;
        synchronized (blasLock) {
            checkOpen("cublasSgemm_v2");
            useStream(s);
            this.alpha.put(0, alpha);
            this.beta.put(0, beta);
            st = cublas.cublasSgemm_v2(blas, op(transA), op(transB), m, n, k, this.alpha,
                    new NativePointers.FloatsAt(a), lda, new NativePointers.FloatsAt(b), ldb, this.beta,
                    new NativePointers.FloatsAt(c), ldc);
        }
        CudaErrors.checkBlas(st, "cublasSgemm_v2", dims(transA, transB, m, n, k, lda, ldb, ldc));
    }

    @Override
    public void sgemmStridedBatched(long stream, boolean transA, boolean transB, int m, int n, int k, float alpha,
                                    long a, int lda, long strideA, long b, int ldb, long strideB,
                                    float beta, long c, int ldc, long strideC, int batch) {
        enter("cublasSgemmStridedBatched");
        CUstream_st s = stream(stream, "cublasSgemmStridedBatched");
        int st;
        synchronized (blasLock) {
            checkOpen("cublasSgemmStridedBatched");
            useStream(s);
            this.alpha.put(0, alpha);
            this.beta.put(0, beta);
            st = cublas.cublasSgemmStridedBatched(blas, op(transA), op(transB), m, n, k, this.alpha,
                    new NativePointers.FloatsAt(a), lda, strideA, new NativePointers.FloatsAt(b), ldb, strideB,
                    this.beta, new NativePointers.FloatsAt(c), ldc, strideC, batch);
        }
        CudaErrors.checkBlas(st, "cublasSgemmStridedBatched", dims(transA, transB, m, n, k, lda, ldb, ldc)
                + " strides " + strideA + "/" + strideB + "/" + strideC + " batch=" + batch);
    }

    @Override
    public void gemmEx16(long stream, CudaDataType inputType, boolean transA, boolean transB, int m, int n, int k,
                         float alpha, long a, int lda, long b, int ldb, float beta, long c, int ldc) {
        enter("cublasGemmEx");
        int type;
        if (inputType == CudaDataType.BF16) {
            type = CUDA_R_16BF;
        } else if (inputType == CudaDataType.F16) {
            type = CUDA_R_16F;
        } else {
            throw new CudaException("cublasGemmEx", cublas.CUBLAS_STATUS_INVALID_VALUE, "gemmEx16 takes BF16 or F16"
                    + " inputs, got " + inputType + ": use sgemm");
        }
        CUstream_st s = stream(stream, "cublasGemmEx");
        int st;
        synchronized (blasLock) {
            checkOpen("cublasGemmEx");
            useStream(s);
            this.alpha.put(0, alpha);
            this.beta.put(0, beta);
            st = cublas.cublasGemmEx(blas, op(transA), op(transB), m, n, k, this.alpha,
                    new NativePointers.At(a), type, lda, new NativePointers.At(b), type, ldb, this.beta,
                    new NativePointers.At(c), CUDA_R_32F, ldc, cublas.CUBLAS_COMPUTE_32F, cublas.CUBLAS_GEMM_DEFAULT);
        }
        CudaErrors.checkBlas(st, "cublasGemmEx", inputType + " inputs, float32 C, " + dims(transA, transB, m, n, k,
                lda, ldb, ldc));
    }

    @Override
    public void setTf32(boolean allowed) {
        enter("cublasSetMathMode");
        synchronized (blasLock) {
            checkOpen("cublasSetMathMode");
            // DEFAULT_MATH is exact float32 for SGEMM but keeps tensor cores for 16-bit GemmEx inputs;
            // PEDANTIC_MATH would also take them away from the bf16/fp16 GEMMs
            CudaErrors.checkBlas(cublas.cublasSetMathMode(blas, allowed ? cublas.CUBLAS_TF32_TENSOR_OP_MATH
                    : cublas.CUBLAS_DEFAULT_MATH), "cublasSetMathMode", allowed ? "TF32" : "default (exact float32)");
        }
    }

    private void checkOpen(String call) {
        if (closed) {
            throw new CudaException(call, CUDA_ERROR_CONTEXT_IS_DESTROYED, call + " on a closed CUDA driver");
        }
    }

    // ---- close ----------------------------------------------------------------------------------

    /**
     * Waits for the driver's streams, then frees every allocation, stream, event, the module and the
     * cuBLAS handle, and releases the primary context. Idempotent. Every step is attempted even
     * after one fails; the first failure is thrown at the end.
     */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        List<CudaException> failures = new ArrayList<>();
        try {
            context.bind();
        } catch (CudaException e) {
            failures.add(e);
        }
        synchronized (blasLock) {
            for (CUstream_st s : streams.values()) {
                note(failures, cuStreamSynchronize(s), "cuStreamSynchronize");
            }
            int st = cublas.cublasDestroy_v2(blas);
            if (st != cublas.CUBLAS_STATUS_SUCCESS) {
                failures.add(CudaErrors.blas("cublasDestroy_v2", st, "closing the CUDA driver"));
            }
            Pointer.free(scalars);
        }
        for (Map.Entry<Long, CUevent_st> e : events.entrySet()) {
            note(failures, cuEventDestroy(e.getValue()), "cuEventDestroy");
        }
        events.clear();
        for (CUstream_st s : streams.values()) {
            note(failures, cuStreamDestroy(s), "cuStreamDestroy");
        }
        streams.clear();
        for (long address : deviceMemory.keySet()) {
            note(failures, cuMemFree(address), "cuMemFree");
        }
        deviceMemory.clear();
        for (Pointer p : pinned.values()) {
            note(failures, cuMemFreeHost(p), "cuMemFreeHost");
        }
        pinned.clear();
        synchronized (moduleLock) {
            if (module != null) {
                note(failures, cuModuleUnload(module), "cuModuleUnload");
                module = null;
            }
            functions.clear();
        }
        synchronized (allParamBlocks) {
            for (KernelParamBlock b : allParamBlocks) {
                b.close();
            }
            allParamBlocks.clear();
        }
        note(failures, context.release(), "cuDevicePrimaryCtxRelease");
        if (!failures.isEmpty()) {
            CudaException first = failures.get(0);
            for (int i = 1; i < failures.size(); i++) {
                first.addSuppressed(failures.get(i));
            }
            throw first;
        }
    }

    private static void note(List<CudaException> failures, int rc, String call) {
        if (rc != CUDA_SUCCESS) {
            failures.add(CudaErrors.driver(call, rc, "closing the CUDA driver"));
        }
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (1024.0 * 1024));
    }

    @Override
    public String toString() {
        return "JavaCppCudaDriver[" + info + (closed ? ", closed" : "") + "]";
    }
}
