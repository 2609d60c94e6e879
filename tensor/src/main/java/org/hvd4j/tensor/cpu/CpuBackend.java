package org.hvd4j.tensor.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
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
 * The CPU reference backend. Memory is pooled by exact byte size: a training step asks for the
 * same sizes every time, so after the first step every request is served from the pool.
 */
public final class CpuBackend implements Backend {
    private static final CpuBackend INSTANCE = new CpuBackend();

    private final Map<Long, ArrayDeque<CpuStorage>> pool = new HashMap<>();
    private long fresh;

    private CpuBackend() {
        CpuGemm.singleThreadedBlas();
        setThreads(CpuThreads.defaultThreads());
    }

    /** The process-wide CPU backend. */
    public static CpuBackend get() {
        return INSTANCE;
    }

    /**
     * Threads of the CPU kernels, GEMM included (OpenBLAS runs single-threaded on each of them).
     * Default: available cores divided by the processes on this host
     * ({@link CpuThreads#defaultThreads()}).
     */
    public static void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        Parallel.setThreads(threads);
    }

    /** Current thread count of the CPU kernels. */
    public static int threads() {
        return Parallel.threads();
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    /** Concurrently when the calling context has at least two threads, each with half of them. */
    @Override
    public void fork(Runnable first, Runnable second) {
        Parallel.fork(first, second);
    }

    // ---- memory -------------------------------------------------------------------------------

    @Override
    public synchronized Storage allocate(long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("CPU tensors are limited to 2 GiB per buffer, asked " + bytes);
        }
        ArrayDeque<CpuStorage> free = pool.get(bytes);
        CpuStorage s = free == null ? null : free.pollFirst();
        if (s != null) {
            s.reuse();
            return s;
        }
        fresh++;
        return new CpuStorage(this, ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder()));
    }

    /**
     * A storage over memory owned by someone else (a direct buffer in native order), for
     * {@link Tensor#view}; it is never pooled. The CUDA emulation runs the CPU kernels on its
     * "device" buffers this way.
     */
    public Storage wrap(ByteBuffer bytes) {
        if (!bytes.isDirect()) {
            throw new IllegalArgumentException("CPU tensors need a direct buffer, got a heap buffer");
        }
        return new CpuStorage(this, bytes.slice().order(ByteOrder.nativeOrder()), false);
    }

    @Override
    public synchronized void recycle(Storage storage) {
        if (!((CpuStorage) storage).pooled) {
            return;
        }
        pool.computeIfAbsent(storage.bytes(), k -> new ArrayDeque<>()).addFirst((CpuStorage) storage);
    }

    @Override
    public synchronized long freshAllocations() {
        return fresh;
    }

    static FloatBuffer f(Tensor t) {
        return ((CpuStorage) t.storage()).floats;
    }

    /** The bytes behind {@code t}'s storage (native order); index them with {@code 4 * (t.offset() + i)}. */
    static ByteBuffer bytes(Tensor t) {
        return ((CpuStorage) t.storage()).bytes;
    }

    static IntBuffer i(Tensor t) {
        if (t.dtype() != DType.INT32) {
            throw new IllegalArgumentException(t.describe() + " must be INT32, is " + t.dtype());
        }
        return ((CpuStorage) t.storage()).ints;
    }

    @Override
    public void copyIn(float[] src, int srcOffset, Tensor dst, int dstOffset, int count) {
        f(dst).put(dst.offset() + dstOffset, src, srcOffset, count);
    }

    @Override
    public void copyIn(int[] src, int srcOffset, Tensor dst, int dstOffset, int count) {
        i(dst).put(dst.offset() + dstOffset, src, srcOffset, count);
    }

    @Override
    public void copyOut(Tensor src, int srcOffset, float[] dst, int dstOffset, int count) {
        f(src).get(src.offset() + srcOffset, dst, dstOffset, count);
    }

    @Override
    public void copyOut(Tensor src, int srcOffset, int[] dst, int dstOffset, int count) {
        i(src).get(src.offset() + srcOffset, dst, dstOffset, count);
    }

    @Override
    public ByteBuffer hostBytes(Tensor t) {
        int es = t.dtype().bytes();
        return ((CpuStorage) t.storage()).bytes.slice(t.offset() * es, t.numel() * es).order(ByteOrder.nativeOrder());
    }

    @Override
    public void copyToHost(Tensor src, int offset, int count, ByteBuffer dst, int dstPos) {
        int es = src.dtype().bytes();
        dst.put(dstPos, ((CpuStorage) src.storage()).bytes, (src.offset() + offset) * es, count * es);
    }

    @Override
    public void copyFromHost(ByteBuffer src, int srcPos, Tensor dst, int offset, int count) {
        int es = dst.dtype().bytes();
        ((CpuStorage) dst.storage()).bytes.put((dst.offset() + offset) * es, src, srcPos, count * es);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        if (src.numel() != dst.numel() || src.dtype().bytes() != dst.dtype().bytes()) {
            throw new IllegalArgumentException("copy from " + src.describe() + " to " + dst.describe());
        }
        int bytes = src.numel() * src.dtype().bytes();
        ByteBuffer s = ((CpuStorage) src.storage()).bytes;
        ByteBuffer d = ((CpuStorage) dst.storage()).bytes;
        d.put(dst.offset() * dst.dtype().bytes(), s, src.offset() * src.dtype().bytes(), bytes);
    }

    @Override
    public void fill(Tensor dst, float value) {
        CpuElementwise.fill(dst, value);
    }

    // ---- kernels: each family lives in its own class ------------------------------------------

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     Tensor a, int aOffset, int lda, Tensor b, int bOffset, int ldb,
                     float beta, Tensor c, int cOffset, int ldc) {
        CpuGemm.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        CpuElementwise.binary(op, a, b, out);
    }

    @Override
    public void axpby(float alpha, Tensor x, float beta, Tensor y) {
        CpuElementwise.axpby(alpha, x, beta, y);
    }

    @Override
    public void scale(Tensor x, float s, Tensor out) {
        CpuElementwise.scale(x, s, out);
    }

    @Override
    public void addBias(Tensor x, Tensor bias, int outer, int channels, int inner, Tensor out) {
        CpuElementwise.addBias(x, bias, outer, channels, inner, out);
    }

    @Override
    public void sumBias(Tensor g, int outer, int channels, int inner, Tensor out, boolean accumulate) {
        CpuReduce.sumBias(g, outer, channels, inner, out, accumulate);
    }

    @Override
    public void activation(Activation fn, Tensor x, Tensor out) {
        CpuActivation.forward(fn, x, out);
    }

    @Override
    public void activationBackward(Activation fn, Tensor x, Tensor y, Tensor gradOut, Tensor gradIn) {
        CpuActivation.backward(fn, x, y, gradOut, gradIn);
    }

    @Override
    public void softmax(Tensor x, int rows, int cols, boolean log, Tensor out) {
        CpuSoftmax.softmax(x, rows, cols, log, out);
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor gy, int rows, int cols, boolean log, Tensor gx) {
        CpuSoftmax.backward(y, gy, rows, cols, log, gx);
    }

    @Override
    public void crossEntropy(Tensor logits, Tensor labels, int rows, int cols, float smoothing,
                             Tensor lossPerRow, Tensor gradLogits, float gradScale) {
        CpuSoftmax.crossEntropy(logits, labels, rows, cols, smoothing, lossPerRow, gradLogits, gradScale);
    }

    @Override
    public void reduce(ReduceOp op, Tensor x, int outer, int n, int inner, Tensor out) {
        CpuReduce.reduce(op, x, outer, n, inner, out);
    }

    @Override
    public void argmax(Tensor x, int outer, int n, int inner, Tensor out) {
        CpuReduce.argmax(x, outer, n, inner, out);
    }

    @Override
    public double sumOfSquares(Tensor x) {
        return CpuReduce.sumOfSquares(x);
    }

    @Override
    public void im2col(Tensor x, int xOffset, ConvGeometry g, Tensor cols, int colsOffset) {
        CpuConv.im2col(x, xOffset, g, cols, colsOffset);
    }

    @Override
    public void col2im(Tensor cols, int colsOffset, ConvGeometry g, Tensor x, int xOffset) {
        CpuConv.col2im(cols, colsOffset, g, x, xOffset);
    }

    @Override
    public void conv2d(Tensor x, Tensor w, int n, ConvGeometry g, Tensor y) {
        CpuConvBatch.forward(x, w, n, g, y);
    }

    @Override
    public void conv2dBackwardInput(Tensor gy, Tensor w, int n, ConvGeometry g, Tensor gx) {
        CpuConvBatch.backwardInput(gy, w, n, g, gx);
    }

    @Override
    public void conv2dBackwardWeight(Tensor gy, Tensor x, int n, ConvGeometry g, Tensor gw, boolean accumulate) {
        CpuConvBatch.backwardWeight(gy, x, n, g, gw, accumulate);
    }

    @Override
    public void maxPool2d(Tensor x, int planes, PoolGeometry g, Tensor out, Tensor indices) {
        CpuPool.maxPool(x, planes, g, out, indices);
    }

    @Override
    public void maxPool2dBackward(Tensor gradOut, Tensor indices, int planes, PoolGeometry g, Tensor gradIn) {
        CpuPool.maxPoolBackward(gradOut, indices, planes, g, gradIn);
    }

    @Override
    public void avgPool2d(Tensor x, int planes, PoolGeometry g, Tensor out) {
        CpuPool.avgPool(x, planes, g, out);
    }

    @Override
    public void avgPool2dBackward(Tensor gradOut, int planes, PoolGeometry g, Tensor gradIn) {
        CpuPool.avgPoolBackward(gradOut, planes, g, gradIn);
    }

    @Override
    public void batchNormStats(Tensor x, int n, int c, int inner, Tensor mean, Tensor var) {
        CpuNorm.stats(x, n, c, inner, mean, var);
    }

    @Override
    public void inverseStd(Tensor var, float eps, Tensor out) {
        CpuNorm.inverseStd(var, eps, out);
    }

    @Override
    public void batchNormForward(Tensor x, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta,
                                 int n, int c, int inner, Tensor out) {
        CpuNorm.forward(x, mean, invStd, gamma, beta, n, c, inner, out);
    }

    @Override
    public void batchNormBackward(Tensor gradOut, Tensor x, Tensor mean, Tensor invStd, Tensor gamma,
                                  int n, int c, int inner, Tensor gradIn, Tensor gradGamma, Tensor gradBeta) {
        CpuNorm.backward(gradOut, x, mean, invStd, gamma, n, c, inner, gradIn, gradGamma, gradBeta);
    }

    @Override
    public void dropoutMask(long seed, float p, Tensor mask) {
        CpuRandom.dropoutMask(seed, p, mask);
    }

    @Override
    public void gatherRows(Tensor table, Tensor idx, int rows, int dim, Tensor out) {
        CpuIndex.gatherRows(table, idx, rows, dim, out);
    }

    @Override
    public void scatterAddRows(Tensor grad, Tensor idx, int rows, int dim, Tensor tableGrad) {
        CpuIndex.scatterAddRows(grad, idx, rows, dim, tableGrad);
    }

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor buf, float lr, float momentum, float dampening,
                          float weightDecay, boolean nesterov, boolean firstStep) {
        CpuOptim.sgd(param, grad, buf, lr, momentum, dampening, weightDecay, nesterov, firstStep);
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                           float eps, float weightDecay, boolean decoupled, int t) {
        CpuOptim.adam(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, decoupled, t);
    }

    /**
     * Adam with the bias corrections already applied ({@code stepSize = lr / (1 - b1^t)},
     * {@code sqrtBc2 = sqrt(1 - b2^t)}), the form the CUDA kernel receives; the CUDA emulation's
     * twin of that kernel.
     */
    public static void adamCorrected(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1,
                                     float beta2, float eps, float weightDecay, boolean decoupled,
                                     float stepSize, float sqrtBc2) {
        CpuOptim.adamCorrected(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, decoupled, stepSize, sqrtBc2);
    }
}
