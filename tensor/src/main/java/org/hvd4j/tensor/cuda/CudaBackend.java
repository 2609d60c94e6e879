package org.hvd4j.tensor.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.hvd4j.cuda.CudaDataType;
import org.hvd4j.cuda.CudaDriver;
import org.hvd4j.cuda.KernelArgs;
import org.hvd4j.tensor.Activation;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.BinaryOp;
import org.hvd4j.tensor.ConvGeometry;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.Device;
import org.hvd4j.tensor.PoolGeometry;
import org.hvd4j.tensor.ReduceOp;
import org.hvd4j.tensor.Storage;
import org.hvd4j.tensor.Tensor;

/**
 * The {@link Backend} on a GPU, written only against {@link CudaDriver}: tensors live in device
 * memory from a caching allocator, every op is one or a few launches of the hvd4j kernels on one
 * compute stream (in order, asynchronous to the host), and GEMMs go to cuBLAS with the row-major
 * to column-major swap {@code C^T = op(B)^T · op(A)^T}. Host data enters through pinned staging
 * buffers. The host only waits where a value must come back: {@code copyOut}, the loss-label
 * check of cross-entropy, and {@code sumOfSquares}.
 *
 * <p>On the host emulation ({@code --device emulated-cuda}) the same code runs, launch for launch,
 * on the CPU twins of the kernels, which is how CI covers this class without a GPU.
 */
public final class CudaBackend implements Backend, AutoCloseable {
    static final int BLOCK = 256;
    private static final int MAX_GRID = 65535;
    private static final int SUM_SQUARES_BLOCKS = 64;
    /** The "no bad label" value of the cross-entropy check: memset 0x7f gives 0x7f7f7f7f. */
    private static final int NO_BAD_ROW = 0x7f7f7f7f;

    private final CudaDriver driver;
    private final Device device;
    private final long stream;
    private final DeviceAllocator allocator;
    private final PinnedStaging staging;
    private final CudaConv conv;
    private final long smallScratch; // 8 KiB for the few values that come back to the host
    private volatile CudaPrecision precision = CudaPrecision.TF32;
    private boolean closed;

    /** A backend over {@code driver}, which it owns and closes. */
    public CudaBackend(CudaDriver driver, Device device) {
        this.driver = driver;
        this.device = device;
        this.stream = driver.streamCreate();
        this.allocator = new DeviceAllocator(driver, this);
        this.staging = new PinnedStaging(driver);
        this.conv = new CudaConv(this);
        this.smallScratch = driver.malloc(8192);
        setPrecision(CudaPrecision.TF32);
    }

    /** The driver underneath (the emulation's tests count its launches). */
    public CudaDriver driver() {
        return driver;
    }

    /** The compute stream every op of this backend is enqueued on. */
    public long stream() {
        return stream;
    }

    public CudaPrecision precision() {
        return precision;
    }

    /** Sets how GEMMs compute (default TF32); see {@link CudaPrecision}. */
    public void setPrecision(CudaPrecision p) {
        precision = p;
        driver.setTf32(p == CudaPrecision.TF32);
    }

    /** Waits until every op enqueued so far has finished. */
    public void synchronize() {
        driver.streamSynchronize(stream);
    }

    /** Device bytes held by the caching allocator (in use or cached). */
    public long reservedBytes() {
        return allocator.reservedBytes();
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            driver.streamSynchronize(stream);
            staging.close();
            allocator.close();
            driver.free(smallScratch);
            driver.streamDestroy(stream);
            driver.close();
        }
    }

    // ---- memory -------------------------------------------------------------------------------

    @Override
    public Storage allocate(long bytes) {
        return allocator.allocate(bytes);
    }

    @Override
    public void recycle(Storage storage) {
        allocator.recycle((CudaStorage) storage);
    }

    @Override
    public long freshAllocations() {
        return allocator.freshAllocations();
    }

    /** Device address of element {@code offset} of {@code t}, after checking t lives here. */
    long ptr(Tensor t, long offset) {
        if (!(t.storage() instanceof CudaStorage s) || s.backend() != this) {
            throw new IllegalArgumentException(t.describe() + " is on " + t.device() + ", not on " + device
                    + ": move it with copyOut/copyIn (all tensors of one op must be on one device)");
        }
        t.checkLive();
        return s.address() + (t.offset() + offset) * t.dtype().bytes();
    }

    long ptr(Tensor t) {
        return ptr(t, 0);
    }

    /**
     * The device address of {@code t}'s first element, for code that hands device memory to
     * another library (NCCL, the runtime's device collectives). Only valid while {@code t} is
     * live; work on other streams that touches it must be ordered after this backend's stream
     * with an event (see {@link DeviceFusion}).
     *
     * @throws IllegalArgumentException if {@code t} does not live on this backend
     */
    public long address(Tensor t) {
        return ptr(t, 0);
    }

    /** {@link #ptr} or 0 for an absent optional tensor. */
    long ptrOrNull(Tensor t) {
        return t == null ? 0 : ptr(t, 0);
    }

    private static void checkFloat(Tensor t) {
        if (t.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(t.describe() + " must be FLOAT32, is " + t.dtype());
        }
    }

    private static void checkInt(Tensor t) {
        if (t.dtype() != DType.INT32) {
            throw new IllegalArgumentException(t.describe() + " must be INT32, is " + t.dtype());
        }
    }

    private static void checkCount(Tensor t, long count, String what) {
        if (t.numel() < count) {
            throw new IllegalArgumentException(what + ": " + t.describe() + " has " + t.numel()
                    + " elements, the op needs " + count);
        }
    }

    // ---- copies ---------------------------------------------------------------------------------

    @Override
    public void copyIn(float[] src, int srcOffset, Tensor dst, int dstOffset, int count) {
        checkFloat(dst);
        checkRange(dst, dstOffset, count);
        toDevice(count * 4L, dst, dstOffset, (buf, from, n) -> buf.asFloatBuffer().put(0, src, srcOffset + from / 4, n / 4));
    }

    @Override
    public void copyIn(int[] src, int srcOffset, Tensor dst, int dstOffset, int count) {
        checkInt(dst);
        checkRange(dst, dstOffset, count);
        toDevice(count * 4L, dst, dstOffset, (buf, from, n) -> buf.asIntBuffer().put(0, src, srcOffset + from / 4, n / 4));
    }

    @Override
    public void copyOut(Tensor src, int srcOffset, float[] dst, int dstOffset, int count) {
        checkFloat(src);
        checkRange(src, srcOffset, count);
        toHost(count * 4L, src, srcOffset, (buf, from, n) -> buf.asFloatBuffer().get(0, dst, dstOffset + from / 4, n / 4));
    }

    @Override
    public void copyOut(Tensor src, int srcOffset, int[] dst, int dstOffset, int count) {
        checkInt(src);
        checkRange(src, srcOffset, count);
        toHost(count * 4L, src, srcOffset, (buf, from, n) -> buf.asIntBuffer().get(0, dst, dstOffset + from / 4, n / 4));
    }

    @Override
    public ByteBuffer hostBytes(Tensor t) {
        return null; // device memory: the runtime stages through copyToHost / copyFromHost
    }

    @Override
    public void copyToHost(Tensor src, int offset, int count, ByteBuffer dst, int dstPos) {
        checkRange(src, offset, count);
        toHost((long) count * src.dtype().bytes(), src, offset, (buf, from, n) -> dst.put(dstPos + from, buf, 0, n));
    }

    @Override
    public void copyFromHost(ByteBuffer src, int srcPos, Tensor dst, int offset, int count) {
        checkRange(dst, offset, count);
        toDevice((long) count * dst.dtype().bytes(), dst, offset, (buf, from, n) -> buf.put(0, src, srcPos + from, n));
    }

    private static void checkRange(Tensor t, int offset, int count) {
        if (offset < 0 || count < 0 || (long) offset + count > t.numel()) {
            throw new IndexOutOfBoundsException("elements [" + offset + ", " + ((long) offset + count) + ") of "
                    + t.describe());
        }
    }

    /** Moves bytes {@code [from, from + n)} of a transfer between a staging buffer and host data. */
    private interface Chunk {
        void move(ByteBuffer staging, int from, int n);
    }

    private void toDevice(long bytes, Tensor dst, int dstOffset, Chunk fill) {
        long base = ptr(dst, dstOffset);
        synchronized (staging) {
            for (long done = 0; done < bytes; done += PinnedStaging.SLOT_BYTES) {
                int n = (int) Math.min(PinnedStaging.SLOT_BYTES, bytes - done);
                int slot = staging.acquire();
                ByteBuffer buf = staging.buffer(slot);
                fill.move(buf, (int) done, n);
                driver.copyHostToDevice(base + done, buf, 0, n, stream);
                staging.enqueued(slot, stream);
            }
        }
    }

    private void toHost(long bytes, Tensor src, int srcOffset, Chunk drain) {
        long base = ptr(src, srcOffset);
        synchronized (staging) {
            for (long done = 0; done < bytes; done += PinnedStaging.SLOT_BYTES) {
                int n = (int) Math.min(PinnedStaging.SLOT_BYTES, bytes - done);
                int slot = staging.acquire();
                ByteBuffer buf = staging.buffer(slot);
                driver.copyDeviceToHost(buf, 0, base + done, n, stream);
                staging.enqueued(slot, stream);
                driver.streamSynchronize(stream);
                drain.move(buf, (int) done, n);
            }
        }
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        if (src.numel() != dst.numel() || src.dtype().bytes() != dst.dtype().bytes()) {
            throw new IllegalArgumentException("copy from " + src.describe() + " to " + dst.describe());
        }
        long bytes = (long) src.numel() * src.dtype().bytes();
        if (bytes > 0) {
            driver.copyDeviceToDevice(ptr(dst), ptr(src), bytes, stream);
        }
    }

    @Override
    public void fill(Tensor dst, float value) {
        if (dst.numel() == 0) {
            return;
        }
        if (dst.dtype() == DType.FLOAT32) {
            launch1d("hvd_fill_f32", dst.numel(), new KernelArgs().ptr(ptr(dst)).f32(value).i32(dst.numel()));
        } else if (value == 0f) {
            driver.memset(ptr(dst), (byte) 0, (long) dst.numel() * dst.dtype().bytes(), stream);
        } else {
            throw new IllegalArgumentException("fill of " + dst.describe() + " with " + value
                    + ": only FLOAT32 tensors take non-zero values");
        }
    }

    // ---- launching ------------------------------------------------------------------------------

    /** A 1-D grid-stride kernel over {@code n} elements (nothing is launched for n = 0). */
    void launch1d(String kernel, long n, KernelArgs args) {
        if (n > 0) {
            int grid = (int) Math.min((n + BLOCK - 1) / BLOCK, MAX_GRID);
            driver.launch(kernel, grid, 1, BLOCK, stream, args);
        }
    }

    /** A kernel with one block per row (or channel). */
    void launchRows(String kernel, int rows, KernelArgs args) {
        if (rows > 0) {
            driver.launch(kernel, rows, 1, BLOCK, stream, args);
        }
    }

    // ---- GEMM -----------------------------------------------------------------------------------

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     Tensor a, int aOffset, int lda, Tensor b, int bOffset, int ldb,
                     float beta, Tensor c, int cOffset, int ldc) {
        checkStored("A", a, aOffset, transA ? k : m, transA ? m : k, lda);
        checkStored("B", b, bOffset, transB ? n : k, transB ? k : n, ldb);
        checkStored("C", c, cOffset, m, n, ldc);
        gemmAt(transA, transB, m, n, k, alpha, ptr(a, aOffset), lda, ptr(b, bOffset), ldb, beta, ptr(c, cOffset), ldc);
    }

    /**
     * Row-major GEMM on device addresses: cuBLAS sees each row-major matrix as its transpose, so
     * {@code C^T = op(B)^T · op(A)^T} is one column-major call with the operands swapped.
     */
    void gemmAt(boolean transA, boolean transB, int m, int n, int k, float alpha,
                long a, int lda, long b, int ldb, float beta, long c, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        CudaPrecision p = precision;
        if ((p == CudaPrecision.BF16 || p == CudaPrecision.FP16) && k > 0) {
            CudaDataType t = p == CudaPrecision.BF16 ? CudaDataType.BF16 : CudaDataType.F16;
            String cast = p == CudaPrecision.BF16 ? "hvd_f32_to_bf16" : "hvd_f32_to_f16";
            long spanA = span(transA ? k : m, transA ? m : k, lda);
            long spanB = span(transB ? n : k, transB ? k : n, ldb);
            Storage a16 = allocate(spanA * 2);
            Storage b16 = allocate(spanB * 2);
            try {
                long pa = ((CudaStorage) a16).address();
                long pb = ((CudaStorage) b16).address();
                launch1d(cast, spanA, new KernelArgs().ptr(a).ptr(pa).i32((int) spanA));
                launch1d(cast, spanB, new KernelArgs().ptr(b).ptr(pb).i32((int) spanB));
                driver.gemmEx16(stream, t, transB, transA, n, m, k, alpha, pb, ldb, pa, lda, beta, c, ldc);
            } finally { // safe right away: later users of these blocks are ordered after the GEMM
                recycle(a16);
                recycle(b16);
            }
        } else {
            driver.sgemm(stream, transB, transA, n, m, k, alpha, b, ldb, a, lda, beta, c, ldc);
        }
    }

    /** Elements spanned by a row-major rows×cols matrix with row stride ld. */
    private static long span(int rows, int cols, int ld) {
        return rows == 0 || cols == 0 ? 0 : (long) (rows - 1) * ld + cols;
    }

    private static void checkStored(String which, Tensor t, int offset, int rows, int cols, int ld) {
        checkFloat(t);
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("gemm " + which + ": leading dimension " + ld + " < columns " + cols);
        }
        if ((long) offset + span(rows, cols, ld) > t.numel()) {
            throw new IllegalArgumentException("gemm " + which + ": " + rows + "x" + cols + " (ld " + ld
                    + ") at offset " + offset + " overruns " + t.describe());
        }
    }

    // ---- elementwise --------------------------------------------------------------------------

    private static int same(Tensor a, Tensor b, Tensor c) {
        if (a.numel() != b.numel() || a.numel() != c.numel()) {
            throw new IllegalArgumentException("sizes differ: " + a.describe() + ", " + b.describe() + ", "
                    + c.describe());
        }
        return a.numel();
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        int n = same(a, b, out);
        launch1d("hvd_binary_f32", n, new KernelArgs().i32(op.ordinal()).ptr(ptr(a)).ptr(ptr(b)).ptr(ptr(out)).i32(n));
    }

    @Override
    public void axpby(float alpha, Tensor x, float beta, Tensor y) {
        int n = same(x, y, y);
        launch1d("hvd_axpby_f32", n, new KernelArgs().f32(alpha).ptr(ptr(x)).f32(beta).ptr(ptr(y)).i32(n));
    }

    @Override
    public void scale(Tensor x, float s, Tensor out) {
        int n = same(x, out, out);
        launch1d("hvd_scale_f32", n, new KernelArgs().ptr(ptr(x)).f32(s).ptr(ptr(out)).i32(n));
    }

    @Override
    public void addBias(Tensor x, Tensor bias, int outer, int channels, int inner, Tensor out) {
        long n = (long) outer * channels * inner;
        checkCount(x, n, "addBias");
        checkCount(out, n, "addBias");
        checkCount(bias, channels, "addBias");
        launch1d("hvd_add_bias_f32", n, new KernelArgs().ptr(ptr(x)).ptr(ptr(bias)).ptr(ptr(out))
                .i32(outer).i32(channels).i32(inner));
    }

    @Override
    public void sumBias(Tensor g, int outer, int channels, int inner, Tensor out, boolean accumulate) {
        checkCount(g, (long) outer * channels * inner, "sumBias");
        checkCount(out, channels, "sumBias");
        launchRows("hvd_sum_bias_f32", channels, new KernelArgs().ptr(ptr(g)).ptr(ptr(out))
                .i32(outer).i32(channels).i32(inner).flag(accumulate));
    }

    @Override
    public void activation(Activation f, Tensor x, Tensor out) {
        int n = same(x, out, out);
        launch1d("hvd_activation_f32", n, new KernelArgs().i32(f.ordinal()).ptr(ptr(x)).ptr(ptr(out)).i32(n));
    }

    @Override
    public void activationBackward(Activation f, Tensor x, Tensor y, Tensor gradOut, Tensor gradIn) {
        int n = same(gradOut, gradIn, gradIn);
        if (y == null && f != Activation.GELU && f != Activation.RELU) {
            // tanh' and sigmoid' come from y = f(x): make it when the caller kept only x
            Tensor made = Tensor.empty(this, DType.FLOAT32, x.shape());
            activation(f, x, made);
            y = made;
        }
        launch1d("hvd_activation_backward_f32", n, new KernelArgs().i32(f.ordinal()).ptr(ptrOrNull(x))
                .ptr(ptrOrNull(y)).ptr(ptr(gradOut)).ptr(ptr(gradIn)).i32(n));
    }

    // ---- softmax and cross-entropy ------------------------------------------------------------

    @Override
    public void softmax(Tensor x, int rows, int cols, boolean log, Tensor out) {
        checkCount(x, (long) rows * cols, "softmax");
        checkCount(out, (long) rows * cols, "softmax");
        launchRows("hvd_softmax_f32", rows, new KernelArgs().ptr(ptr(x)).ptr(ptr(out)).i32(rows).i32(cols).flag(log));
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor gy, int rows, int cols, boolean log, Tensor gx) {
        launchRows("hvd_softmax_backward_f32", rows, new KernelArgs().ptr(ptr(y)).ptr(ptr(gy)).ptr(ptr(gx))
                .i32(rows).i32(cols).flag(log));
    }

    /**
     * Launches the kernel, then reads back the first row whose label is out of range: one small
     * synchronous copy per call, the price of the CPU backend's precise error (the loss is read
     * on the host every step anyway).
     */
    @Override
    public void crossEntropy(Tensor logits, Tensor labels, int rows, int cols, float smoothing,
                             Tensor lossPerRow, Tensor gradLogits, float gradScale) {
        checkInt(labels);
        checkCount(logits, (long) rows * cols, "crossEntropy");
        checkCount(labels, rows, "crossEntropy");
        checkCount(lossPerRow, rows, "crossEntropy");
        if (rows == 0) {
            return;
        }
        synchronized (staging) {
            driver.memset(smallScratch, (byte) 0x7f, 4, stream);
            launchRows("hvd_cross_entropy_f32", rows, new KernelArgs().ptr(ptr(logits)).ptr(ptr(labels))
                    .ptr(ptr(lossPerRow)).ptr(ptrOrNull(gradLogits)).i32(rows).i32(cols).f32(smoothing)
                    .f32(gradScale).ptr(smallScratch));
            int bad = readInt(smallScratch);
            if (bad != NO_BAD_ROW) {
                int[] label = new int[1];
                copyOut(labels, bad, label, 0, 1);
                throw new IllegalArgumentException("label " + label[0] + " of row " + bad + " is outside [0, "
                        + cols + ") for " + logits.describe());
            }
        }
    }

    /** Reads one int from device memory (caller holds the staging lock). */
    private int readInt(long address) {
        int slot = staging.acquire();
        ByteBuffer buf = staging.buffer(slot);
        driver.copyDeviceToHost(buf, 0, address, 4, stream);
        staging.enqueued(slot, stream);
        driver.streamSynchronize(stream);
        return buf.getInt(0);
    }

    // ---- reductions ---------------------------------------------------------------------------

    @Override
    public void reduce(ReduceOp op, Tensor x, int outer, int n, int inner, Tensor out) {
        checkCount(x, (long) outer * n * inner, "reduce");
        checkCount(out, (long) outer * inner, "reduce");
        launch1d("hvd_reduce_f32", (long) outer * inner, new KernelArgs().i32(op.ordinal()).ptr(ptr(x)).ptr(ptr(out))
                .i32(outer).i32(n).i32(inner));
    }

    @Override
    public void argmax(Tensor x, int outer, int n, int inner, Tensor out) {
        checkInt(out);
        checkCount(x, (long) outer * n * inner, "argmax");
        checkCount(out, (long) outer * inner, "argmax");
        launch1d("hvd_argmax_f32", (long) outer * inner, new KernelArgs().ptr(ptr(x)).ptr(ptr(out))
                .i32(outer).i32(n).i32(inner));
    }

    /** Per-block partial sums in double, added on the host in block order (deterministic). */
    @Override
    public double sumOfSquares(Tensor x) {
        int n = x.numel();
        if (n == 0) {
            return 0;
        }
        int blocks = (int) Math.min(SUM_SQUARES_BLOCKS, (n + BLOCK - 1) / BLOCK);
        synchronized (staging) {
            driver.launch("hvd_sum_squares_f32", blocks, 1, BLOCK, stream,
                    new KernelArgs().ptr(ptr(x)).ptr(smallScratch).i32(n));
            int slot = staging.acquire();
            ByteBuffer buf = staging.buffer(slot);
            driver.copyDeviceToHost(buf, 0, smallScratch, 8L * blocks, stream);
            staging.enqueued(slot, stream);
            driver.streamSynchronize(stream);
            double s = 0;
            for (int b = 0; b < blocks; b++) {
                s += buf.order(ByteOrder.nativeOrder()).getDouble(8 * b);
            }
            return s;
        }
    }

    // ---- convolution --------------------------------------------------------------------------

    @Override
    public void im2col(Tensor x, int xOffset, ConvGeometry g, Tensor cols, int colsOffset) {
        conv.im2col(ptr(x, xOffset), 1, g, ptr(cols, colsOffset));
    }

    @Override
    public void col2im(Tensor cols, int colsOffset, ConvGeometry g, Tensor x, int xOffset) {
        conv.col2im(ptr(cols, colsOffset), 1, g, ptr(x, xOffset), true);
    }

    @Override
    public void conv2d(Tensor x, Tensor w, int n, ConvGeometry g, Tensor y) {
        conv.forward(x, w, n, g, y);
    }

    @Override
    public void conv2dBackwardInput(Tensor gy, Tensor w, int n, ConvGeometry g, Tensor gx) {
        conv.backwardInput(gy, w, n, g, gx);
    }

    @Override
    public void conv2dBackwardWeight(Tensor gy, Tensor x, int n, ConvGeometry g, Tensor gw, boolean accumulate) {
        conv.backwardWeight(gy, x, n, g, gw, accumulate);
    }

    // ---- pooling ------------------------------------------------------------------------------

    private static KernelArgs poolArgs(KernelArgs a, int planes, PoolGeometry g) {
        return a.i32(planes).i32(g.height()).i32(g.width()).i32(g.outHeight()).i32(g.outWidth())
                .i32(g.kh()).i32(g.kw()).i32(g.sh()).i32(g.sw()).i32(g.ph()).i32(g.pw());
    }

    @Override
    public void maxPool2d(Tensor x, int planes, PoolGeometry g, Tensor out, Tensor indices) {
        checkInt(indices);
        launch1d("hvd_maxpool2d_f32", (long) planes * g.outHeight() * g.outWidth(),
                poolArgs(new KernelArgs().ptr(ptr(x)).ptr(ptr(out)).ptr(ptr(indices)), planes, g));
    }

    @Override
    public void maxPool2dBackward(Tensor gradOut, Tensor indices, int planes, PoolGeometry g, Tensor gradIn) {
        checkInt(indices);
        launch1d("hvd_maxpool2d_backward_f32", (long) planes * g.height() * g.width(),
                poolArgs(new KernelArgs().ptr(ptr(gradOut)).ptr(ptr(indices)).ptr(ptr(gradIn)), planes, g));
    }

    @Override
    public void avgPool2d(Tensor x, int planes, PoolGeometry g, Tensor out) {
        launch1d("hvd_avgpool2d_f32", (long) planes * g.outHeight() * g.outWidth(),
                poolArgs(new KernelArgs().ptr(ptr(x)).ptr(ptr(out)), planes, g));
    }

    @Override
    public void avgPool2dBackward(Tensor gradOut, int planes, PoolGeometry g, Tensor gradIn) {
        launch1d("hvd_avgpool2d_backward_f32", (long) planes * g.height() * g.width(),
                poolArgs(new KernelArgs().ptr(ptr(gradOut)).ptr(ptr(gradIn)), planes, g));
    }

    // ---- batch normalisation ------------------------------------------------------------------

    @Override
    public void batchNormStats(Tensor x, int n, int c, int inner, Tensor mean, Tensor var) {
        checkCount(x, (long) n * c * inner, "batchNormStats");
        launchRows("hvd_bn_stats_f32", c, new KernelArgs().ptr(ptr(x)).ptr(ptr(mean)).ptr(ptr(var))
                .i32(n).i32(c).i32(inner));
    }

    @Override
    public void inverseStd(Tensor var, float eps, Tensor out) {
        int n = same(var, out, out);
        launch1d("hvd_inverse_std_f32", n, new KernelArgs().ptr(ptr(var)).f32(eps).ptr(ptr(out)).i32(n));
    }

    @Override
    public void batchNormForward(Tensor x, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta,
                                 int n, int c, int inner, Tensor out) {
        long all = (long) n * c * inner;
        checkCount(x, all, "batchNormForward");
        checkCount(out, all, "batchNormForward");
        launch1d("hvd_bn_forward_f32", all, new KernelArgs().ptr(ptr(x)).ptr(ptr(mean)).ptr(ptr(invStd))
                .ptr(ptr(gamma)).ptr(ptr(beta)).ptr(ptr(out)).i32(n).i32(c).i32(inner));
    }

    @Override
    public void batchNormBackward(Tensor gradOut, Tensor x, Tensor mean, Tensor invStd, Tensor gamma,
                                  int n, int c, int inner, Tensor gradIn, Tensor gradGamma, Tensor gradBeta) {
        checkCount(x, (long) n * c * inner, "batchNormBackward");
        launchRows("hvd_bn_backward_f32", c, new KernelArgs().ptr(ptr(gradOut)).ptr(ptr(x)).ptr(ptr(mean))
                .ptr(ptr(invStd)).ptr(ptr(gamma)).ptr(ptrOrNull(gradIn)).ptr(ptrOrNull(gradGamma))
                .ptr(ptrOrNull(gradBeta)).i32(n).i32(c).i32(inner));
    }

    // ---- randomness and indexing --------------------------------------------------------------

    @Override
    public void dropoutMask(long seed, float p, Tensor mask) {
        checkFloat(mask);
        launch1d("hvd_dropout_mask_f32", mask.numel(), new KernelArgs().ptr(ptr(mask)).u64(seed).f32(p).i32(mask.numel()));
    }

    /** Row indices are not range-checked on the device (as in PyTorch without device asserts). */
    @Override
    public void gatherRows(Tensor table, Tensor idx, int rows, int dim, Tensor out) {
        checkInt(idx);
        checkCount(out, (long) rows * dim, "gatherRows");
        launch1d("hvd_gather_rows_f32", (long) rows * dim, new KernelArgs().ptr(ptr(table)).ptr(ptr(idx)).ptr(ptr(out))
                .i32(rows).i32(dim));
    }

    @Override
    public void scatterAddRows(Tensor grad, Tensor idx, int rows, int dim, Tensor tableGrad) {
        checkInt(idx);
        checkCount(grad, (long) rows * dim, "scatterAddRows");
        launch1d("hvd_scatter_add_rows_f32", (long) rows * dim, new KernelArgs().ptr(ptr(grad)).ptr(ptr(idx))
                .ptr(ptr(tableGrad)).i32(rows).i32(dim));
    }

    // ---- optimizer updates --------------------------------------------------------------------

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor buf, float lr, float momentum, float dampening,
                          float weightDecay, boolean nesterov, boolean firstStep) {
        int n = same(param, grad, buf == null ? grad : buf);
        launch1d("hvd_sgd_update_f32", n, new KernelArgs().ptr(ptr(param)).ptr(ptr(grad)).ptr(ptrOrNull(buf)).i32(n)
                .f32(lr).f32(momentum).f32(dampening).f32(weightDecay).flag(nesterov).flag(firstStep));
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                           float eps, float weightDecay, boolean decoupled, int t) {
        int n = same(param, grad, m);
        same(param, v, v);
        if (t < 1) {
            throw new IllegalArgumentException("Adam step must be >= 1, got " + t);
        }
        float bc1 = (float) (1.0 - Math.pow(beta1, t));
        float bc2 = (float) (1.0 - Math.pow(beta2, t));
        launch1d("hvd_adam_update_f32", n, new KernelArgs().ptr(ptr(param)).ptr(ptr(grad)).ptr(ptr(m)).ptr(ptr(v))
                .i32(n).f32(lr).f32(beta1).f32(beta2).f32(eps).f32(weightDecay).flag(decoupled).f32(bc1).f32(bc2));
    }

    @Override
    public String toString() {
        return "CudaBackend[" + device + ", " + driver.device() + ", " + precision + "]";
    }
}
