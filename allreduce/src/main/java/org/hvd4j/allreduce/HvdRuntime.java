package org.hvd4j.allreduce;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.hvd4j.allreduce.comm.Bytes;
import org.hvd4j.allreduce.comm.Communicator;
import org.hvd4j.allreduce.comm.Reducer;
import org.hvd4j.allreduce.runtime.Bootstrap;
import org.hvd4j.allreduce.runtime.Hvd4jNames;
import org.hvd4j.allreduce.runtime.InlineExchange;
import org.hvd4j.allreduce.runtime.Node;
import org.hvd4j.allreduce.runtime.OpKind;
import org.hvd4j.allreduce.runtime.Outcome;
import org.hvd4j.allreduce.runtime.Payload;
import org.hvd4j.allreduce.runtime.Request;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.Shape;
import org.hvd4j.tensor.Storage;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.TensorScope;
import org.hvd4j.tensor.cpu.CpuBackend;

/**
 * One rank's membership in a job, with every collective. {@link Hvd} is the static face of the
 * process's runtime; tests run several runtimes in one JVM (ranks as threads).
 *
 * <p><b>Names.</b> Collectives are matched across ranks by name. A name may be given (the
 * distributed optimizer uses the parameter's dotted name); without one, each kind of collective
 * is numbered in call order ({@code allreduce.noname.3}), which matches as long as every rank
 * calls the same collectives in the same order.
 *
 * <p><b>Tensors.</b> In-place collectives (allreduce, broadcast) write into the given tensor;
 * do not read or write it until the handle completes. Others return a new tensor, allocated in
 * the awaiting thread's scope.
 */
public final class HvdRuntime implements AutoCloseable {
    private final Node node;
    private final RankInfo info;
    private final Map<OpKind, Integer> unnamed = new HashMap<>();
    /** Storages of the tensors {@link #sharedTensor} placed in shared memory (by identity). */
    private final java.util.Set<Storage> sharedStorages =
            java.util.Collections.synchronizedSet(java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));

    private HvdRuntime(Node node) {
        this.node = node;
        this.info = node.placement();
    }

    /**
     * Joins the job described by {@code job} (blocks until every rank has arrived), then binds
     * this rank to its share of the host's CPUs when the launcher asks for it ({@link CpuBinding}).
     */
    public static HvdRuntime start(JobConfig job) {
        boolean bind = CpuBinding.requested(System.getenv());
        try {
            HvdRuntime rt = new HvdRuntime(Bootstrap.start(job));
            if (bind) {
                CpuBinding.bind(rt.localRank(), rt.localSize());
            }
            return rt;
        } catch (IOException e) {
            throw new HvdException("rank " + job.ranks().rank() + " could not join the job: " + e.getMessage(), e);
        }
    }

    public int rank() {
        return info.rank();
    }

    public int size() {
        return info.size();
    }

    public int localRank() {
        return info.localRank();
    }

    public int localSize() {
        return info.localSize();
    }

    public int crossRank() {
        return info.crossRank();
    }

    public int crossSize() {
        return info.crossSize();
    }

    /** Rank, size and placement. */
    public RankInfo placement() {
        return info;
    }

    /** The transport in use ({@code shm}, {@code tcp}, {@code hierarchical(shm+tcp)}, {@code solo}). */
    public String transport() {
        return node.transport();
    }

    /**
     * How allreduce and broadcast of CUDA tensors run ({@code HVD4J_DEVICE_COLLECTIVES}): on the
     * device through {@code nccl} or {@code staged(<transport>)}, or {@code host} (copied to the
     * host per tensor); {@code auto (not started)} before the first of them, which decides.
     */
    public String deviceCollectives() {
        return node.engine().deviceCollectives();
    }

    /** Allreduces and broadcasts this rank has run on the device path so far (diagnostics, tests). */
    public long deviceCollectivesRun() {
        return node.engine().deviceCollectivesRun();
    }

    /**
     * The data plane, for benchmarks and transport tests: its collectives bypass negotiation, so
     * every rank must call the same ones in the same order and with the same sizes.
     */
    public Communicator communicator() {
        return node.communicator();
    }

    // ---- allreduce -----------------------------------------------------------------------------

    /** In place: {@code t} becomes the element-wise {@code op} over all ranks. */
    public Handle<Tensor> allreduceAsync(Tensor t, String name, Reduction op) {
        return allreduceAsync(t, name, op, 1.0, 1.0);
    }

    /**
     * In place, with Horovod's scale factors: {@code t = postscale * op(prescale * t_r)} (for
     * AVERAGE, {@code postscale} also divides by the number of contributing ranks).
     */
    public Handle<Tensor> allreduceAsync(Tensor t, String name, Reduction op, double prescale, double postscale) {
        checkReduction(op, t.dtype(), t.describe());
        Request r = request(OpKind.ALLREDUCE, name, t.dtype(), t.shape().dims(), op, -1, prescale, postscale, new int[0]);
        return new Handle<>(node.engine().submit(r, Payload.of(t)), o -> t);
    }

    /**
     * In place, several tensors submitted together (see {@link
     * org.hvd4j.allreduce.runtime.Engine#submitAll}): {@code payloads} are tensors or host buffers.
     */
    List<Handle<Object>> allreduceAllAsync(List<Payload> payloads, List<String> names, List<int[]> shapes, Reduction op,
                                           double prescale, double postscale) {
        List<Request> rs = new java.util.ArrayList<>();
        for (int i = 0; i < payloads.size(); i++) {
            Payload p = payloads.get(i);
            checkReduction(op, p.dtype(), "'" + names.get(i) + "'");
            rs.add(new Request(rank(), names.get(i), OpKind.ALLREDUCE, p.dtype(), shapes.get(i), op, -1, prescale,
                    postscale, new int[0]));
        }
        List<Handle<Object>> hs = new java.util.ArrayList<>();
        for (CompletableFuture<Outcome> f : node.engine().submitAll(rs, payloads)) {
            hs.add(new Handle<>(f, o -> o));
        }
        return hs;
    }

    /** Allreduce in place, blocking. */
    public void allreduceInPlace(Tensor t, Reduction op) {
        allreduceAsync(t, null, op).await();
    }

    /** A new tensor holding the reduction of {@code t} over all ranks ({@code t} is unchanged). */
    public Tensor allreduce(Tensor t, Reduction op) {
        Tensor out = Tensor.empty(t.backend(), t.dtype(), t.shape());
        t.backend().copy(t, out);
        allreduceInPlace(out, op);
        return out;
    }

    /** In place on a host buffer of {@code count} elements of {@code type} (direct, native order). */
    public Handle<ByteBuffer> allreduceAsync(ByteBuffer buf, DType type, int count, String name, Reduction op) {
        return allreduceAsync(buf, type, count, name, op, 1.0, 1.0);
    }

    /** In place on a host buffer, with scale factors as in {@link #allreduceAsync(Tensor, String, Reduction, double, double)}. */
    public Handle<ByteBuffer> allreduceAsync(ByteBuffer buf, DType type, int count, String name, Reduction op,
                                             double prescale, double postscale) {
        checkReduction(op, type, name == null ? "buffer" : "'" + name + "'");
        Request r = request(OpKind.ALLREDUCE, name, type, new int[] {count}, op, -1, prescale, postscale, new int[0]);
        return new Handle<>(node.engine().submit(r, Payload.of(buf, type, count)), o -> buf);
    }

    /** In place on a Java array. */
    public void allreduce(float[] data, Reduction op) {
        ByteBuffer b = Bytes.direct(4 * data.length);
        b.asFloatBuffer().put(0, data);
        allreduceAsync(b, DType.FLOAT32, data.length, null, op).await();
        b.asFloatBuffer().get(0, data);
    }

    /** In place on a Java array. */
    public void allreduce(double[] data, Reduction op) {
        ByteBuffer b = Bytes.direct(8 * data.length);
        b.asDoubleBuffer().put(0, data);
        allreduceAsync(b, DType.FLOAT64, data.length, null, op).await();
        b.asDoubleBuffer().get(0, data);
    }

    /** In place on a Java array (SUM, MIN, MAX, PRODUCT). */
    public void allreduce(int[] data, Reduction op) {
        ByteBuffer b = Bytes.direct(4 * data.length);
        b.asIntBuffer().put(0, data);
        allreduceAsync(b, DType.INT32, data.length, null, op).await();
        b.asIntBuffer().get(0, data);
    }

    /** In place on a Java array (SUM, MIN, MAX, PRODUCT). */
    public void allreduce(long[] data, Reduction op) {
        ByteBuffer b = Bytes.direct(8 * data.length);
        b.asLongBuffer().put(0, data);
        allreduceAsync(b, DType.INT64, data.length, null, op).await();
        b.asLongBuffer().get(0, data);
    }

    /** The mean of each value over all ranks (for logged loss, accuracy, throughput). */
    public double[] averageMetrics(double... values) {
        double[] v = values.clone();
        allreduce(v, Reduction.AVERAGE);
        return v;
    }

    // ---- broadcast -----------------------------------------------------------------------------

    /** In place: every rank's {@code t} becomes rank {@code root}'s. */
    public Handle<Tensor> broadcastAsync(Tensor t, int root, String name) {
        Request r = request(OpKind.BROADCAST, name, t.dtype(), t.shape().dims(), Reduction.SUM, root, 1, 1, new int[0]);
        return new Handle<>(node.engine().submit(r, Payload.of(t)), o -> t);
    }

    public void broadcast(Tensor t, int root) {
        broadcastAsync(t, root, null).await();
    }

    /** In place on a host buffer of {@code count} elements. */
    public void broadcast(ByteBuffer buf, DType type, int count, int root, String name) {
        Request r = request(OpKind.BROADCAST, name, type, new int[] {count}, Reduction.SUM, root, 1, 1, new int[0]);
        new Handle<>(node.engine().submit(r, Payload.of(buf, type, count)), o -> buf).await();
    }

    public void broadcast(float[] data, int root) {
        ByteBuffer b = Bytes.direct(4 * data.length);
        b.asFloatBuffer().put(0, data);
        broadcast(b, DType.FLOAT32, data.length, root, null);
        b.asFloatBuffer().get(0, data);
    }

    public void broadcast(long[] data, int root) {
        ByteBuffer b = Bytes.direct(8 * data.length);
        b.asLongBuffer().put(0, data);
        broadcast(b, DType.INT64, data.length, root, null);
        b.asLongBuffer().get(0, data);
    }

    public void broadcast(byte[] data, int root) {
        ByteBuffer b = Bytes.direct(data.length);
        b.put(0, data);
        broadcast(b, DType.UINT8, data.length, root, null);
        b.get(0, data);
    }

    // ---- allgather, reducescatter, alltoall --------------------------------------------------------

    /** Concatenates every rank's {@code t} along the first dimension, which may differ between ranks. */
    public Handle<Tensor> allgatherAsync(Tensor t, String name) {
        Request r = request(OpKind.ALLGATHER, name, t.dtype(), t.shape().dims(), Reduction.SUM, -1, 1, 1, new int[0]);
        return new Handle<>(node.engine().submit(r, Payload.of(t)), o -> toTensor(t, o));
    }

    public Tensor allgather(Tensor t) {
        return allgatherAsync(t, null).await();
    }

    /** Every rank's values, concatenated in rank order (lengths may differ). */
    public float[] allgather(float[] data) {
        ByteBuffer b = Bytes.direct(4 * data.length);
        b.asFloatBuffer().put(0, data);
        Outcome o = awaitOutcome(gatherBytes(b, DType.FLOAT32, data.length, null));
        float[] out = new float[o.data().capacity() / 4];
        o.data().asFloatBuffer().get(0, out);
        return out;
    }

    /** Every rank's values, concatenated in rank order (lengths may differ). */
    public long[] allgather(long[] data) {
        ByteBuffer b = Bytes.direct(8 * data.length);
        b.asLongBuffer().put(0, data);
        Outcome o = awaitOutcome(gatherBytes(b, DType.INT64, data.length, null));
        long[] out = new long[o.data().capacity() / 8];
        o.data().asLongBuffer().get(0, out);
        return out;
    }

    CompletableFuture<Outcome> gatherBytes(ByteBuffer b, DType type, int count, String name) {
        Request r = request(OpKind.ALLGATHER, name, type, new int[] {count}, Reduction.SUM, -1, 1, 1, new int[0]);
        return node.engine().submit(r, Payload.of(b, type, count));
    }

    /**
     * Reduces {@code t} over all ranks and gives rank {@code r} its share of the first dimension
     * (rows {@code [r*D/N ...]}, the first {@code D mod N} ranks one row more).
     */
    public Handle<Tensor> reducescatterAsync(Tensor t, String name, Reduction op) {
        checkReduction(op, t.dtype(), t.describe());
        Request r = request(OpKind.REDUCESCATTER, name, t.dtype(), t.shape().dims(), op, -1, 1, 1, new int[0]);
        return new Handle<>(node.engine().submit(r, Payload.of(t)), o -> toTensor(t, o));
    }

    /** Horovod's default reduction for reducescatter is AVERAGE. */
    public Tensor reducescatter(Tensor t, Reduction op) {
        return reducescatterAsync(t, null, op).await();
    }

    /** Result of {@link #alltoall}: the rows received, and how many came from each rank. */
    public record AlltoallResult(Tensor tensor, int[] receivedSplits) {
    }

    /** Sends rows {@code [s_0+..+s_{j-1}, +s_j)} of {@code t} to rank {@code j}; receives each rank's rows for this one. */
    public Handle<AlltoallResult> alltoallAsync(Tensor t, int[] splits, String name) {
        Request r = request(OpKind.ALLTOALL, name, t.dtype(), t.shape().dims(), Reduction.SUM, -1, 1, 1, splits.clone());
        return new Handle<>(node.engine().submit(r, Payload.of(t)),
                o -> new AlltoallResult(toTensor(t, o), o.receivedSplits()));
    }

    public AlltoallResult alltoall(Tensor t, int[] splits) {
        return alltoallAsync(t, splits, null).await();
    }

    // ---- memory -----------------------------------------------------------------------------------

    /**
     * Collective (every rank calls it, in the same order, with the same type and shape): a CPU
     * tensor of zeros in memory that the ranks of this host share, as {@code ncclMemAlloc} or
     * {@code MPI_Alloc_mem} give. An in-place allreduce ({@link #allreduceInPlace}, {@link
     * #allreduceAsync(Tensor, String, Reduction)}) of such a tensor, or of a view of it at the same
     * offset on every rank, of at least {@value org.hvd4j.allreduce.shm.ShmCommunicator#SHARED_MIN_BYTES}
     * bytes is reduced where it lies: each rank reduces its piece in every rank's copy, with none
     * of the copies into and out of the transport's slots that a tensor of the caller's needs.
     * Where the transport has no shared memory (TCP, several hosts, or a rank could not map it)
     * this is a plain tensor of zeros ({@link #isShared} tells). The memory lives until the
     * process ends: allocate such tensors once, for buffers reused every step.
     */
    public Tensor sharedTensor(DType dtype, int... dims) {
        Tensor shared = sharedTensorOrNull(dtype, dims);
        return shared != null ? shared : TensorScope.persistent(() -> {
            Tensor t = Tensor.empty(CpuBackend.get(), dtype, Shape.of(dims));
            Reducer.fill(dtype, CpuBackend.get().hostBytes(t), 0, t.numel(), 0);
            return t;
        });
    }

    /** {@link #sharedTensor}, or null where the memory could not be shared (collective alike). */
    Tensor sharedTensorOrNull(DType dtype, int... dims) {
        Shape shape = Shape.of(dims);
        if (shape.numel() * dtype.bytes() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shared tensor of " + shape + " " + dtype + " exceeds 2 GiB");
        }
        Request r = request(OpKind.SHARE, null, dtype, dims.clone(), Reduction.SUM, -1, 1, 1, new int[0]);
        Outcome o = awaitOutcome(node.engine().submit(r, Payload.of(Bytes.direct(0), dtype, 0)));
        if (o.data() == null) {
            return null;
        }
        Storage s = CpuBackend.get().wrap(o.data());
        sharedStorages.add(s);
        return TensorScope.persistent(() -> Tensor.view(s, dtype, shape, 0));
    }

    /** Whether {@code t} is, or is a view of, a tensor from {@link #sharedTensor} that got shared memory. */
    public boolean isShared(Tensor t) {
        return sharedStorages.contains(t.storage());
    }

    // ---- synchronisation -----------------------------------------------------------------------

    /** Returns once every rank has called it. */
    public void barrier() {
        Request r = request(OpKind.BARRIER, null, DType.UINT8, new int[0], Reduction.SUM, -1, 1, 1, new int[0]);
        awaitOutcome(node.engine().submit(r, Payload.of(Bytes.direct(0), DType.UINT8, 0)));
    }

    /**
     * For a rank that has run out of data: blocks, taking part in the other ranks' allreduces
     * with zeros (an average counts only the ranks that contributed), until every rank has joined;
     * returns the rank that joined last.
     */
    public int join() {
        Request r = new Request(rank(), Hvd4jNames.JOIN, OpKind.JOIN, DType.UINT8, new int[0], Reduction.SUM, -1, 1, 1,
                new int[0]);
        CompletableFuture<Outcome> joined = node.engine().submit(r, Payload.of(Bytes.direct(0), DType.UINT8, 0));
        InlineExchange inline = node.inlineExchange();
        if (inline != null) {
            // the other ranks' distributed optimizers ask this rank on their own channel first: tell
            // them it has joined (they then go through the engine, where it contributes zeros)
            inline.awaitEveryRankJoined();
        }
        return awaitOutcome(joined).lastJoined();
    }

    /**
     * The training thread's own gradient exchange ({@code HVD4J_INLINE_EXCHANGE}, see {@link
     * InlineExchange}), or null when this job has none.
     */
    InlineExchange inlineExchange() {
        return node.inlineExchange();
    }

    /** Broadcasts a small serialisable value from {@code root}; see {@link ObjectCollectives}. */
    public <T extends java.io.Serializable> T broadcastObject(T value, int root) {
        return ObjectCollectives.broadcast(this, value, root);
    }

    /** Every rank's small serialisable value, by rank. */
    public <T extends java.io.Serializable> java.util.List<T> allgatherObject(T value) {
        return ObjectCollectives.allgather(this, value);
    }

    /** Every rank takes rank {@code root}'s parameters and buffers (batch-norm statistics). */
    public void broadcastParameters(org.hvd4j.nn.Module model, int root) {
        ModelSync.broadcastParameters(this, model, root);
    }

    /** Every rank takes rank {@code root}'s optimizer state, learning rate and step count. */
    public void broadcastOptimizerState(org.hvd4j.nn.optim.Optimizer optimizer, int root) {
        ModelSync.broadcastOptimizerState(this, optimizer, root);
    }

    /** Stops every rank's runtime (Horovod's {@code shutdown}) and releases this one's resources. */
    public void shutdown() {
        node.shutdown(10_000);
    }

    @Override
    public void close() {
        shutdown();
    }

    // ---- helpers -------------------------------------------------------------------------------

    private Request request(OpKind kind, String name, DType type, int[] shape, Reduction op, int root, double pre,
                            double post, int[] splits) {
        return new Request(rank(), name != null ? name : autoName(kind), kind, type, shape, op, root, pre, post, splits);
    }

    private synchronized String autoName(OpKind kind) {
        int n = unnamed.merge(kind, 1, Integer::sum);
        return kind.label() + ".noname." + n;
    }

    private static void checkReduction(Reduction op, DType type, String what) {
        if (op == Reduction.AVERAGE && !type.isFloatingPoint()) {
            throw new IllegalArgumentException("AVERAGE of " + what + " needs a floating-point type, it is " + type
                    + ": use SUM and divide");
        }
    }

    private static Outcome awaitOutcome(CompletableFuture<Outcome> f) {
        return new Handle<>(f, o -> o).await();
    }

    private static Tensor toTensor(Tensor like, Outcome o) {
        Tensor out = Tensor.empty(like.backend(), like.dtype(), Shape.of(o.shape()));
        if (out.numel() > 0) {
            out.backend().copyFromHost(o.data(), 0, out, 0, out.numel());
        }
        return out;
    }
}
