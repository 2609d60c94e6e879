package org.hvd4j.benchmarks.jmh;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.hvd4j.tensor.Activation;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.ConvGeometry;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.PoolGeometry;
import org.hvd4j.tensor.Shape;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU kernels a training step of {@code mlp} and {@code cnn} spends its time in, at batch
 * 128 and the models' shapes: GEMM of fc1, ReLU forward and backward on fc1's output, softmax
 * cross-entropy on the logits, im2col of conv2, the 2×2 max pool after conv1, and the SGD
 * momentum update over mlp's 535,818 parameters. Time per call in microseconds.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:MaxDirectMemorySize=2g"})
public class CpuKernelBench {
    /** CPU threads for the backend (GEMM and the parallel Java kernels). */
    @Param({"1"})
    public int threads;

    private static final int BATCH = 128;
    private Backend be;
    private Tensor x784;
    private Tensor w512;
    private Tensor h512;
    private Tensor g512;
    private Tensor out512;
    private Tensor logits;
    private Tensor labels;
    private Tensor perRow;
    private Tensor gradLogits;
    private Tensor conv2In;
    private Tensor conv2Cols;
    private ConvGeometry conv2;
    private Tensor conv1Out;
    private Tensor pooled;
    private Tensor poolIdx;
    private PoolGeometry pool;
    private Tensor params;
    private Tensor grads;
    private Tensor momentum;

    @Setup(Level.Trial)
    public void setUp() {
        CpuBackend.setThreads(threads);
        be = CpuBackend.get();
        SplittableRandom r = new SplittableRandom(7);
        x784 = random(r, BATCH, 784);
        w512 = random(r, 784, 512);
        h512 = random(r, BATCH, 512);
        g512 = random(r, BATCH, 512);
        out512 = Tensor.zeros(be, BATCH, 512);
        logits = random(r, BATCH, 10);
        int[] y = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            y[i] = r.nextInt(10);
        }
        labels = Tensor.ofInts(be, y, BATCH);
        perRow = Tensor.zeros(be, BATCH);
        gradLogits = Tensor.zeros(be, BATCH, 10);
        conv2 = new ConvGeometry(32, 14, 14, 5, 5, 1, 1, 2, 2);
        conv2In = random(r, 32, 14, 14);
        conv2Cols = Tensor.zeros(be, conv2.colRows(), conv2.colCols());
        pool = new PoolGeometry(28, 28, 2, 2, 2, 2, 0, 0);
        conv1Out = random(r, BATCH * 32, 28, 28);
        pooled = Tensor.zeros(be, BATCH * 32, 14, 14);
        poolIdx = Tensor.empty(be, DType.INT32, Shape.of(BATCH * 32, 14, 14));
        params = random(r, 535_818);
        grads = random(r, 535_818);
        momentum = Tensor.zeros(be, 535_818);
    }

    private Tensor random(SplittableRandom r, int... dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return Tensor.of(be, v, dims);
    }

    /** fc1 forward: [128, 784] · [784, 512]. */
    @Benchmark
    public Tensor gemmFc1() {
        be.gemm(false, false, BATCH, 512, 784, 1f, x784, 0, 784, w512, 0, 512, 0f, out512, 0, 512);
        return out512;
    }

    @Benchmark
    public Tensor reluForward() {
        be.activation(Activation.RELU, h512, out512);
        return out512;
    }

    @Benchmark
    public Tensor reluBackward() {
        be.activationBackward(Activation.RELU, h512, h512, g512, out512);
        return out512;
    }

    /** Log-softmax cross-entropy forward and its gradient on [128, 10] logits. */
    @Benchmark
    public Tensor crossEntropy() {
        be.crossEntropy(logits, labels, BATCH, 10, 0f, perRow, gradLogits, 1f / BATCH);
        return gradLogits;
    }

    /** conv2's unfolding of one image: [32, 14, 14] → [800, 196]. */
    @Benchmark
    public Tensor im2colConv2() {
        be.im2col(conv2In, 0, conv2, conv2Cols, 0);
        return conv2Cols;
    }

    /** The 2×2 max pool after conv1 over a batch: [128·32, 28, 28] → [128·32, 14, 14]. */
    @Benchmark
    public Tensor maxPoolConv1() {
        be.maxPool2d(conv1Out, BATCH * 32, pool, pooled, poolIdx);
        return pooled;
    }

    /** SGD with momentum and weight decay over mlp's parameters (one flat tensor). */
    @Benchmark
    public Tensor sgdMomentumMlp() {
        be.sgdUpdate(params, grads, momentum, 1e-6f, 0.9f, 0f, 1e-4f, false, false);
        return params;
    }
}
