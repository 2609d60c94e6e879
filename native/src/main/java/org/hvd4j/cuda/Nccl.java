package org.hvd4j.cuda;

import static org.bytedeco.cuda.global.cudart.*;
import static org.bytedeco.cuda.global.nccl.*;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.nccl.ncclComm;
import org.bytedeco.cuda.nccl.ncclConfig_t;
import org.bytedeco.cuda.nccl.ncclUniqueId;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;

/**
 * A thin typed wrapper of one NCCL communicator over device memory: unique ids as 128 bytes,
 * initialisation with a deadline, the four collectives on device addresses and a stream, and
 * error handling that never hangs: {@link #synchronize} waits for a stream while polling
 * {@code ncclCommGetAsyncError}, and aborts the communicator on an error or at the deadline.
 *
 * <p>The communicator is created non-blocking ({@code ncclCommInitRankConfig} with
 * {@code blocking = 0}, NCCL 2.14 and later), so no NCCL call blocks the caller: a call that
 * returns {@code ncclInProgress} is completed by polling. Calls on one communicator are serialised
 * by a lock, which is held only for the (short) duration of each NCCL call, so that {@link #abort}
 * from another thread always gets through.
 *
 * <p>The device's primary context is made current on every calling thread (the same context the
 * {@link JavaCppCudaDriver} uses, so its streams and allocations can be passed here).
 */
public final class Nccl implements AutoCloseable {
    /** Size of an {@code ncclUniqueId}. */
    public static final int UNIQUE_ID_BYTES = NCCL_UNIQUE_ID_BYTES;

    /** NCCL_CONFIG_UNDEF_INT: "use NCCL's default" in an ncclConfig_t. */
    private static final int CONFIG_UNDEF_INT = Integer.MIN_VALUE;
    /** NCCL_API_MAGIC, the ncclConfig_t magic (a macro the CUDA 12 preset does not map). */
    private static final int CONFIG_MAGIC = 0xcafebeef;

    /** Element types ({@code ncclDataType_t}). */
    public enum DataType {
        INT8(ncclInt8, 1), UINT8(ncclUint8, 1), INT32(ncclInt32, 4), UINT32(ncclUint32, 4), INT64(ncclInt64, 8),
        FLOAT16(ncclFloat16, 2), BFLOAT16(ncclBfloat16, 2), FLOAT32(ncclFloat32, 4), FLOAT64(ncclFloat64, 8);

        private final int code;
        private final int bytes;

        DataType(int code, int bytes) {
            this.code = code;
            this.bytes = bytes;
        }

        /** The {@code ncclDataType_t} value. */
        public int code() {
            return code;
        }

        public int bytes() {
            return bytes;
        }
    }

    /** Reductions ({@code ncclRedOp_t}); AVG needs NCCL 2.10 or later. */
    public enum Op {
        SUM(ncclSum), PROD(ncclProd), MAX(ncclMax), MIN(ncclMin), AVG(ncclAvg);

        private final int code;

        Op(int code) {
            this.code = code;
        }

        /** The {@code ncclRedOp_t} value. */
        public int code() {
            return code;
        }
    }

    private final ncclComm comm;
    private final PrimaryContext context;
    private final int rank;
    private final int size;
    private final int ordinal;
    private final int version;
    private final boolean nonBlocking;
    private final Duration timeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Object syncLock = new Object();
    private final CUevent_st event;
    private volatile String abortReason;
    private boolean gone; // aborted or destroyed: comm must not be passed to NCCL again (guarded by lock)
    private boolean closed; // guarded by lock

    private Nccl(ncclComm comm, PrimaryContext context, int rank, int size, int ordinal, int version,
                 boolean nonBlocking, Duration timeout, CUevent_st event) {
        this.comm = comm;
        this.context = context;
        this.rank = rank;
        this.size = size;
        this.ordinal = ordinal;
        this.version = version;
        this.nonBlocking = nonBlocking;
        this.timeout = timeout;
        this.event = event;
    }

    // ---- availability and ids ---------------------------------------------------------------------

    /** Whether NCCL and a CUDA device are usable here; never throws. */
    public static boolean isAvailable() {
        return unavailableReason() == null;
    }

    /** Why NCCL is not usable here, or null when it is; never throws. */
    public static String unavailableReason() {
        try {
            CudaLibraries.requireNccl();
            int rc = cuInit(0);
            if (rc != CUDA_SUCCESS) {
                return "cuInit failed: " + CudaErrors.driverName(rc) + " (" + CudaLibraries.visibleDevices() + ")";
            }
            int[] count = new int[1];
            rc = cuDeviceGetCount(count);
            if (rc != CUDA_SUCCESS || count[0] == 0) {
                return "no CUDA device (" + CudaLibraries.visibleDevices() + ")";
            }
            return null;
        } catch (CudaException e) {
            return e.getMessage();
        } catch (LinkageError | RuntimeException e) {
            return "NCCL is not usable: " + e;
        }
    }

    /** The linked NCCL's version code (for example 22905 for 2.29.5). */
    public static int version() {
        CudaLibraries.requireNccl();
        int[] v = new int[1];
        int rc = ncclGetVersion(v);
        if (rc != ncclSuccess) {
            throw failure("ncclGetVersion", rc, null, 0, "");
        }
        return v[0];
    }

    /** The linked version, or 0 if even that fails (then no call newer than NCCL 2.0 is made). */
    private static int versionOrZero() {
        try {
            return version();
        } catch (CudaException e) {
            return 0;
        }
    }

    /** A new unique id (rank 0 makes it and sends it to the others before they all call {@link #init}). */
    public static byte[] uniqueId() {
        CudaLibraries.requireNccl();
        int v = versionOrZero();
        try (ncclUniqueId id = new ncclUniqueId()) {
            int rc = ncclGetUniqueId(id);
            if (rc != ncclSuccess) {
                throw failure("ncclGetUniqueId", rc, null, v, "creating the unique id (rank 0 opens a bootstrap"
                        + " socket: check NCCL_SOCKET_IFNAME and that this host has a usable network interface)");
            }
            byte[] bytes = new byte[UNIQUE_ID_BYTES];
            new BytePointer(id).capacity(UNIQUE_ID_BYTES).get(bytes, 0, UNIQUE_ID_BYTES);
            return bytes;
        }
    }

    // ---- creation -----------------------------------------------------------------------------------

    /**
     * Joins the communicator of {@code size} ranks named by {@code uniqueId} as {@code rank}, on
     * device {@code ordinal}. Returns when every rank has joined.
     *
     * @throws CudaUnavailableException without NCCL, CUDA or a device
     * @throws CudaException if NCCL fails, or when not every rank joined within {@code timeout} (the
     *         communicator is aborted then)
     */
    public static Nccl init(int rank, int size, int ordinal, byte[] uniqueId, Duration timeout) {
        if (size < 1 || rank < 0 || rank >= size) {
            throw new IllegalArgumentException("rank " + rank + " of " + size);
        }
        if (uniqueId == null || uniqueId.length != UNIQUE_ID_BYTES) {
            throw new IllegalArgumentException("an NCCL unique id has " + UNIQUE_ID_BYTES + " bytes, got "
                    + (uniqueId == null ? "null" : uniqueId.length));
        }
        CudaLibraries.requireNccl();
        int device = JavaCppCudaDriver.initDevice(ordinal);
        PrimaryContext ctx = PrimaryContext.retain(device);
        CUevent_st ev = null;
        try {
            int v = version();
            ev = new CUevent_st();
            CudaErrors.check(cuEventCreate(ev, CU_EVENT_DISABLE_TIMING), "cuEventCreate");
            long deadline = System.nanoTime() + timeout.toNanos();
            String who = "rank " + rank + " of " + size + " on cuda:" + ordinal;
            ncclComm comm = new ncclComm();
            boolean nonBlocking = v >= 21400 && configSize() > 0;
            try (ncclUniqueId id = new ncclUniqueId()) {
                new BytePointer(id).capacity(UNIQUE_ID_BYTES).put(uniqueId, 0, UNIQUE_ID_BYTES);
                if (nonBlocking) {
                    initNonBlocking(comm, size, id, rank, v, deadline, timeout, who);
                } else {
                    initBlocking(comm, size, id, rank, v, timeout, who);
                }
            }
            return new Nccl(comm, ctx, rank, size, ordinal, v, nonBlocking, timeout, ev);
        } catch (RuntimeException | Error e) {
            if (ev != null && !ev.isNull()) {
                cuEventDestroy(ev);
            }
            ctx.release();
            throw e;
        }
    }

    private static void initNonBlocking(ncclComm comm, int size, ncclUniqueId id, int rank, int v, long deadline,
                                        Duration timeout, String who) {
        try (ncclConfig_t config = defaultConfig()) {
            config.blocking(0);
            int rc = ncclCommInitRankConfig(comm, size, id, rank, config);
            if (rc != ncclSuccess && rc != ncclInProgress) {
                CudaException e = failure("ncclCommInitRankConfig", rc, comm, v, "joining as " + who);
                if (!comm.isNull()) {
                    ncclCommAbort(comm);
                }
                throw e;
            }
        }
        int[] state = new int[1];
        long pause = 1_000;
        while (true) {
            int rc = ncclCommGetAsyncError(comm, state);
            if (rc != ncclSuccess) {
                CudaException e = failure("ncclCommGetAsyncError", rc, comm, v, "waiting for the other ranks as " + who);
                ncclCommAbort(comm);
                throw e;
            }
            if (state[0] == ncclSuccess) {
                return;
            }
            if (state[0] != ncclInProgress) {
                CudaException e = failure("ncclCommInitRankConfig", state[0], comm, v, "joining as " + who);
                ncclCommAbort(comm);
                throw e;
            }
            if (System.nanoTime() - deadline > 0) {
                ncclCommAbort(comm);
                throw new CudaException("ncclCommInitRankConfig", ncclInProgress, "ncclCommInitRankConfig: " + who
                        + " was not joined by every rank within " + seconds(timeout) + " (a rank did not start, got"
                        + " another unique id, or cannot reach this host: check NCCL_SOCKET_IFNAME, firewalls, and"
                        + " NCCL_DEBUG=INFO); the communicator is aborted");
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 10_000_000);
        }
    }

    /** NCCL before 2.14 has no non-blocking communicators: init on a daemon thread and stop waiting at the deadline. */
    private static void initBlocking(ncclComm comm, int size, ncclUniqueId id, int rank, int v, Duration timeout,
                                     String who) {
        FutureTask<Integer> task = new FutureTask<>(() -> ncclCommInitRank(comm, size, id, rank));
        Thread t = new Thread(task, "hvd4j-nccl-init-" + rank);
        t.setDaemon(true);
        t.start();
        int rc;
        try {
            rc = task.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new CudaException("ncclCommInitRank", ncclInProgress, "ncclCommInitRank: " + who + " was not joined"
                    + " by every rank within " + seconds(timeout) + " (NCCL " + v + " cannot abort a blocking"
                    + " init: the thread " + t.getName() + " stays blocked)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CudaException("ncclCommInitRank", ncclInProgress, "interrupted while joining as " + who);
        } catch (ExecutionException e) {
            throw new CudaException("ncclCommInitRank", ncclInternalError, "ncclCommInitRank failed: " + e.getCause());
        }
        if (rc != ncclSuccess) {
            throw failure("ncclCommInitRank", rc, null, v, "joining as " + who);
        }
    }

    private static long configSize() {
        try {
            return Loader.sizeof(ncclConfig_t.class);
        } catch (RuntimeException | LinkageError e) {
            return 0;
        }
    }

    /**
     * NCCL_CONFIG_INITIALIZER: size, magic and version of the header the preset was built with, every
     * int field NCCL_CONFIG_UNDEF_INT and every string field NULL. The fields are found by reflection
     * so that presets with more or fewer fields (the CUDA 12 one has fewer) fill all of theirs.
     * Package-private for tests.
     */
    static ncclConfig_t defaultConfig() {
        ncclConfig_t c = new ncclConfig_t();
        for (Method m : ncclConfig_t.class.getDeclaredMethods()) {
            if (!Modifier.isPublic(m.getModifiers()) || Modifier.isStatic(m.getModifiers())
                    || m.getReturnType() != ncclConfig_t.class || m.getParameterCount() != 1) {
                continue;
            }
            String name = m.getName();
            Class<?> p = m.getParameterTypes()[0];
            try {
                if (p == int.class && !name.equals("magic") && !name.equals("version")) {
                    m.invoke(c, CONFIG_UNDEF_INT);
                } else if (p == BytePointer.class) {
                    m.invoke(c, (Object) null);
                }
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot initialise ncclConfig_t." + name + ": " + e, e);
            }
        }
        c.size(configSize()).magic(CONFIG_MAGIC).version(NCCL_VERSION_CODE);
        return c;
    }

    // ---- collectives --------------------------------------------------------------------------------

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    public int ordinal() {
        return ordinal;
    }

    /** The linked NCCL's version code. */
    public int linkedVersion() {
        return version;
    }

    /** {@code ncclAllReduce} of {@code count} elements ({@code send == recv} for in place). */
    public void allReduce(long send, long recv, long count, DataType type, Op op, long stream) {
        checkOp(op, type);
        enqueue("ncclAllReduce", () -> ncclAllReduce(at(send), at(recv), count, type.code, op.code, comm,
                stream(stream)), count + " " + type);
    }

    /** {@code ncclAllGather}: every rank sends {@code sendCount} elements; {@code recv} holds size × sendCount. */
    public void allGather(long send, long recv, long sendCount, DataType type, long stream) {
        enqueue("ncclAllGather", () -> ncclAllGather(at(send), at(recv), sendCount, type.code, comm, stream(stream)),
                sendCount + " " + type + " per rank");
    }

    /** {@code ncclBroadcast} of {@code count} elements from {@code root}'s send buffer ({@code send == recv} for in place). */
    public void broadcast(long send, long recv, long count, DataType type, int root, long stream) {
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException("broadcast root " + root + " of " + size + " ranks");
        }
        enqueue("ncclBroadcast", () -> ncclBroadcast(at(send), at(recv), count, type.code, root, comm, stream(stream)),
                count + " " + type + " from rank " + root);
    }

    /** {@code ncclReduceScatter}: {@code send} holds size × recvCount elements; rank r receives block r. */
    public void reduceScatter(long send, long recv, long recvCount, DataType type, Op op, long stream) {
        checkOp(op, type);
        enqueue("ncclReduceScatter", () -> ncclReduceScatter(at(send), at(recv), recvCount, type.code, op.code, comm,
                stream(stream)), recvCount + " " + type + " per rank");
    }

    /** {@code ncclGroupStart}: the collectives until {@link #groupEnd} are launched together. */
    public void groupStart() {
        enqueue("ncclGroupStart", () -> ncclGroupStart(), "");
    }

    public void groupEnd() {
        enqueue("ncclGroupEnd", () -> ncclGroupEnd(), "");
    }

    private void checkOp(Op op, DataType type) {
        if (op == Op.AVG && version < 21000) {
            throw new IllegalArgumentException("ncclAvg needs NCCL 2.10 or later; this is " + version);
        }
        if (type == DataType.BFLOAT16 && version < 21000) {
            throw new IllegalArgumentException("ncclBfloat16 needs NCCL 2.10 or later; this is " + version);
        }
    }

    private static NativePointers.At at(long address) {
        return new NativePointers.At(address);
    }

    /** A CUstream at {@code handle} (0 is the legacy default stream). */
    private static CUstream_st stream(long handle) {
        return new CUstream_st(new NativePointers.At(handle));
    }

    /** Runs one NCCL call under the lock, completes an ncclInProgress by polling, and turns failures into exceptions. */
    private void enqueue(String call, IntSupplier fn, String what) {
        lock.lock();
        try {
            usable(call);
            context.bind();
            int rc = fn.getAsInt();
            if (rc == ncclInProgress && nonBlocking) {
                rc = settle(call);
            }
            if (rc != ncclSuccess) {
                CudaException e = failure(call, rc, comm, version, what.isEmpty() ? null : what + " on " + this);
                abortLocked();
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Polls the communicator's state after a call returned ncclInProgress (lock held); its final state. */
    private int settle(String call) {
        int[] state = new int[1];
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int spins = 0; ; spins++) {
            int rc = ncclCommGetAsyncError(comm, state);
            if (rc != ncclSuccess) {
                return rc;
            }
            if (state[0] != ncclInProgress) {
                return state[0];
            }
            if (abortReason != null) {
                throw aborted(call);
            }
            if (System.nanoTime() - deadline > 0) {
                String reason = call + " on " + this + " was still in progress after " + seconds(timeout)
                        + " (a peer is missing: NCCL connects to peers at their first collective)";
                abortReason = reason;
                abortLocked();
                throw new CudaException(call, ncclInProgress, reason + "; the communicator is aborted");
            }
            if (spins < 10_000) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(50_000);
            }
        }
    }

    private void usable(String call) {
        if (abortReason != null) {
            throw aborted(call);
        }
        if (gone || closed) {
            throw new CudaException(call, ncclInvalidUsage, call + " on " + this + ", which is closed");
        }
    }

    private CudaException aborted(String call) {
        return new CudaException(call, ncclInvalidUsage, call + " on " + this + ", which was aborted: " + abortReason);
    }

    // ---- errors and waiting -------------------------------------------------------------------------

    /** {@code ncclCommGetAsyncError}: ncclSuccess, ncclInProgress or the error of an asynchronous failure. */
    public int asyncError() {
        lock.lock();
        try {
            usable("ncclCommGetAsyncError");
            int[] state = new int[1];
            int rc = ncclCommGetAsyncError(comm, state);
            return rc != ncclSuccess ? rc : state[0];
        } finally {
            lock.unlock();
        }
    }

    /**
     * Throws if the communicator has failed asynchronously (a peer died, a network error); the
     * communicator is aborted then, since NCCL requires that.
     */
    public void checkAsyncError() {
        lock.lock();
        try {
            usable("ncclCommGetAsyncError");
            int[] state = new int[1];
            int rc = ncclCommGetAsyncError(comm, state);
            int error = rc != ncclSuccess ? rc : state[0];
            if (error != ncclSuccess && error != ncclInProgress) {
                CudaException e = failure("ncclCommGetAsyncError", error, comm, version, "on " + this);
                abortLocked();
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until everything enqueued on {@code stream} so far has finished, polling
     * {@code ncclCommGetAsyncError} meanwhile: an asynchronous NCCL error, an {@link #abort} from
     * another thread, or the deadline aborts the communicator and throws, so a dead peer never
     * hangs the caller.
     */
    public void synchronize(long stream) {
        synchronize(stream, timeout); // the timeout given to init
    }

    /** {@link #synchronize(long)} with its own deadline. */
    public void synchronize(long stream, Duration timeout) {
        synchronized (syncLock) {
            lock.lock();
            try {
                usable("cuEventRecord");
                context.bind();
                CudaErrors.check(cuEventRecord(event, stream(stream)), "cuEventRecord", "marking the end of NCCL work");
            } finally {
                lock.unlock();
            }
            long start = System.nanoTime();
            long deadline = start + timeout.toNanos();
            long pause = 0;
            for (int spins = 0; ; spins++) {
                int rc = cuEventQuery(event);
                if (rc == CUDA_SUCCESS) {
                    return;
                }
                if (rc != CUDA_ERROR_NOT_READY) {
                    CudaException e = CudaErrors.driver("cuEventQuery", rc, "waiting for NCCL work on " + this);
                    abort(e.getMessage());
                    throw e;
                }
                if (abortReason != null) {
                    throw aborted("synchronize");
                }
                if ((spins & 63) == 0) {
                    checkAsyncError();
                }
                if (System.nanoTime() - deadline > 0) {
                    String reason = "NCCL work on " + this + " did not finish within " + seconds(timeout)
                            + " (a peer stopped, hangs, or is far behind)";
                    abort(reason);
                    throw new CudaException("synchronize", ncclInProgress, reason + "; the communicator is aborted");
                }
                if (spins < 2_000) {
                    Thread.onSpinWait();
                } else {
                    pause = pause == 0 ? 10_000 : Math.min(pause * 2, 1_000_000);
                    LockSupport.parkNanos(pause);
                }
            }
        }
    }

    /**
     * Makes the communicator unusable: pending and later calls fail with {@code reason}, and
     * {@code ncclCommAbort} frees it without waiting for peers. Safe from any thread; idempotent.
     */
    public void abort(String reason) {
        if (abortReason == null) {
            abortReason = reason == null ? "aborted" : reason;
        }
        lock.lock();
        try {
            abortLocked();
        } finally {
            lock.unlock();
        }
    }

    private void abortLocked() {
        if (!gone) {
            gone = true;
            if (abortReason == null) {
                abortReason = "aborted after an NCCL error";
            }
            try {
                context.bind();
            } catch (CudaException e) {
                // abort anyway
            }
            ncclCommAbort(comm);
        }
    }

    /**
     * Flushes and frees the communicator ({@code ncclCommFinalize}, then {@code ncclCommDestroy};
     * {@code ncclCommAbort} if finalising fails or takes over 30 s), then the event and the context.
     * Idempotent. Every rank should close (NCCL's destroy is collective among a node's ranks).
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                context.bind();
            } catch (CudaException e) {
                abortLocked();
            }
            if (!gone) {
                gone = true;
                int rc = version >= 21400 ? ncclCommFinalize(comm) : ncclSuccess;
                if (rc == ncclInProgress) {
                    int[] state = new int[1];
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    do {
                        rc = ncclCommGetAsyncError(comm, state);
                        if (rc == ncclSuccess) {
                            rc = state[0];
                        }
                        if (rc == ncclInProgress) {
                            LockSupport.parkNanos(100_000);
                        }
                    } while (rc == ncclInProgress && System.nanoTime() - deadline < 0);
                }
                if (rc == ncclSuccess) {
                    ncclCommDestroy(comm);
                } else {
                    ncclCommAbort(comm);
                }
            }
            cuEventDestroy(event);
            context.release();
        } finally {
            lock.unlock();
        }
    }

    /** The exception for a failed NCCL call: error string, NCCL's last error message and a hint. */
    static CudaException failure(String call, int rc, ncclComm comm, int version, String what) {
        String name;
        try {
            BytePointer s = ncclGetErrorString(rc);
            name = s == null || s.isNull() ? "ncclResult " + rc : s.getString();
        } catch (LinkageError e) {
            name = "ncclResult " + rc;
        }
        String last = "";
        if (version >= 21300) { // ncclGetLastError is 2.13+; calling a missing symbol would kill the JVM
            try {
                BytePointer s = ncclGetLastError(comm);
                last = s == null || s.isNull() ? "" : s.getString().trim();
            } catch (LinkageError e) {
                last = "";
            }
        }
        return new CudaException(call, rc, call + " failed: " + name + " (ncclResult " + rc + ")"
                + (what == null || what.isEmpty() ? "" : " while " + what)
                + (last.isEmpty() ? "" : "; NCCL says: " + last) + ". " + hint(rc));
    }

    /** What to check for an NCCL result. Package-private for tests. */
    static String hint(int rc) {
        return switch (rc) {
            case ncclUnhandledCudaError -> "A CUDA call inside NCCL failed (out of GPU memory? an earlier kernel fault?)";
            case ncclSystemError -> "A system call failed: often a network problem (NCCL_SOCKET_IFNAME, firewall) or"
                    + " too little /dev/shm (docker --shm-size)";
            case ncclInternalError -> "An NCCL internal error: run with NCCL_DEBUG=WARN for details";
            case ncclInvalidArgument -> "An argument is invalid (a null or misaligned pointer, a count or root out of"
                    + " range)";
            case ncclInvalidUsage -> "The calls do not match across ranks, or the communicator is aborted or freed";
            case ncclRemoteError -> "A remote rank failed or exited, or the network between the ranks broke";
            case ncclInProgress -> "The operation did not complete";
            default -> "Run with NCCL_DEBUG=INFO for details";
        };
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() / 1000.0 + " s";
    }

    @Override
    public String toString() {
        return "NCCL communicator (rank " + rank + " of " + size + ", cuda:" + ordinal + ")";
    }
}
