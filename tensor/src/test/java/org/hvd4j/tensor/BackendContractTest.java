package org.hvd4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.function.BiConsumer;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The backend contract: every {@link Backend} method, run on the backend under test and on the
 * CPU reference with the same inputs, must give the same outputs (within float32 reduction-order
 * tolerance: 1e-5 relative, 1e-6 absolute, unless a test says exact). Subclasses supply the
 * backend: the CUDA backend over the host emulation everywhere, over a real GPU where there is one.
 */
public abstract class BackendContractTest {
    protected static final CpuBackend CPU = CpuBackend.get();
    private static final double RTOL = 1e-5;
    private static final double ATOL = 1e-6;

    /** The backend under test. */
    protected abstract Backend backend();

    private final Random rng = new Random(42);

    // ---- helpers --------------------------------------------------------------------------------

    protected float[] uniform(int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        }
        return v;
    }

    protected float[] uniform(int n) {
        return uniform(n, -1, 1);
    }

    /** The same data on the CPU (index 0) and on the backend under test (index 1). */
    protected Tensor[] pair(float[] data, int... dims) {
        return new Tensor[] {Tensor.of(CPU, data, dims), Tensor.of(backend(), data, dims)};
    }

    protected Tensor[] pairInts(int[] data, int... dims) {
        return new Tensor[] {Tensor.ofInts(CPU, data, dims), Tensor.ofInts(backend(), data, dims)};
    }

    protected Tensor[] pairRandom(int... dims) {
        return pair(uniform((int) Shape.of(dims).numel()), dims);
    }

    /** Runs {@code op} on both backends' tensors (argument i of each pair, CPU first). */
    protected void both(BiConsumer<Backend, Integer> op) {
        op.accept(CPU, 0);
        op.accept(backend(), 1);
    }

    protected static void assertClose(String what, Tensor[] p) {
        assertClose(what, p, RTOL, ATOL);
    }

    protected static void assertClose(String what, Tensor[] p, double rtol, double atol) {
        float[] want = p[0].toFloatArray();
        float[] got = p[1].toFloatArray();
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            boolean bothNaN = Float.isNaN(want[i]) && Float.isNaN(got[i]);
            if (!bothNaN && !(Math.abs(want[i] - got[i]) <= atol + rtol * Math.abs(want[i]))) {
                fail(what + ": element " + i + " is " + got[i] + ", the CPU gives " + want[i]);
            }
        }
    }

    protected static void assertExact(String what, Tensor[] p) {
        if (p[0].dtype() == DType.INT32) {
            assertArrayEquals(p[0].toIntArray(), p[1].toIntArray(), what);
        } else {
            float[] a = p[0].toFloatArray();
            float[] b = p[1].toFloatArray();
            for (int i = 0; i < a.length; i++) {
                assertEquals(Float.floatToIntBits(a[i]), Float.floatToIntBits(b[i]), what + ": element " + i);
            }
        }
    }

    // ---- memory and copies ----------------------------------------------------------------------

    @Test
    void copiesRoundTripWithOffsets() {
        Backend be = backend();
        float[] data = uniform(5000);
        Tensor t = Tensor.zeros(be, 5000);
        be.copyIn(data, 100, t, 7, 4000);
        float[] back = new float[5000];
        be.copyOut(t, 7, back, 3, 4000);
        for (int i = 0; i < 4000; i++) {
            assertEquals(data[100 + i], back[3 + i], "element " + i);
        }
        assertEquals(0f, t.toFloatArray()[6]);
        int[] ints = {5, -1, 7, 2_000_000_000};
        Tensor ti = Tensor.ofInts(be, ints, 4);
        assertArrayEquals(ints, ti.toIntArray());
        ByteBuffer host = ByteBuffer.allocateDirect(64).order(ByteOrder.nativeOrder());
        be.copyToHost(t, 10, 8, host, 16);
        assertEquals(data[100 + 3], host.getFloat(16), "copyToHost's first element");
        be.copyFromHost(host, 16, t, 0, 8);
        assertEquals(data[103], t.toFloatArray()[0], "copyFromHost");
        Tensor u = Tensor.empty(be, 5000);
        be.copy(t, u);
        assertArrayEquals(t.toFloatArray(), u.toFloatArray());
    }

    @Test
    void largeCopiesCrossStagingChunks() {
        float[] data = uniform(3_000_000); // 12 MB: more than one staging slot
        Tensor t = Tensor.of(backend(), data, data.length);
        assertArrayEquals(data, t.toFloatArray());
    }

    @Test
    void fill() {
        Tensor[] p = pair(new float[1000], 1000);
        both((be, i) -> be.fill(p[i], 0.25f));
        assertExact("fill", p);
        Tensor ints = Tensor.ofInts(backend(), new int[] {3, 4, 5}, 3);
        backend().fill(ints, 0f);
        assertArrayEquals(new int[3], ints.toIntArray());
    }

    @Test
    void warmStepAllocatesNothing() {
        Backend be = backend();
        Tensor w = Tensor.of(be, uniform(64 * 32), 64, 32);
        Tensor x = Tensor.of(be, uniform(16 * 32), 16, 32);
        Runnable step = () -> {
            try (TensorScope s = TensorScope.open()) {
                Tensor y = Tensor.empty(be, 16, 64);
                be.gemm(false, true, 16, 64, 32, 1f, x, 0, 32, w, 0, 32, 0f, y, 0, 64);
                Tensor z = Tensor.empty(be, 16, 64);
                be.activation(Activation.RELU, y, z);
                z.toFloatArray();
            }
        };
        step.run();
        long before = be.freshAllocations();
        for (int i = 0; i < 5; i++) {
            step.run();
        }
        assertEquals(before, be.freshAllocations(), "a warmed-up step must be served from the pool");
    }

    // ---- GEMM -----------------------------------------------------------------------------------

    @ParameterizedTest(name = "transA={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void gemmAllTransposesOffsetsAndLeadingDimensions(boolean transA) {
        for (boolean transB : new boolean[] {false, true}) {
            int m = 37;
            int n = 29;
            int k = 53;
            int lda = (transA ? m : k) + 3;
            int ldb = (transB ? k : n) + 5;
            int ldc = n + 2;
            Tensor[] a = pairRandom(7 + (transA ? k : m) * lda);
            Tensor[] b = pairRandom(3 + (transB ? n : k) * ldb);
            Tensor[] c = pairRandom(1 + m * ldc);
            both((be, i) -> be.gemm(transA, transB, m, n, k, 0.5f, a[i], 7, lda, b[i], 3, ldb, -1.5f, c[i], 1, ldc));
            assertClose("gemm transA=" + transA + " transB=" + transB, c);
        }
    }

    @Test
    void gemmWithZeroBetaIgnoresNaNInC() {
        float[] nan = new float[6];
        java.util.Arrays.fill(nan, Float.NaN);
        Tensor[] a = pairRandom(2, 4);
        Tensor[] b = pairRandom(4, 3);
        Tensor[] c = pair(nan, 2, 3);
        both((be, i) -> be.gemm(false, false, 2, 3, 4, 1f, a[i], 0, 4, b[i], 0, 3, 0f, c[i], 0, 3));
        assertClose("gemm beta=0", c);
        for (float v : c[1].toFloatArray()) {
            assertTrue(Float.isFinite(v), "beta = 0 must not read C");
        }
    }

    @Test
    void gemmOverrunIsRefused() {
        Tensor a = Tensor.zeros(backend(), 4, 4);
        Tensor c = Tensor.zeros(backend(), 4, 4);
        assertThrows(IllegalArgumentException.class,
                () -> backend().gemm(false, false, 4, 4, 4, 1f, a, 1, 4, a, 0, 4, 0f, c, 0, 4));
    }

    @Test
    void forkRunsBothSequencesBeforeItReturns() {
        // a layer's backward: two independent products, each followed by a pass over its own output
        Tensor[] g = pairRandom(64, 48);
        Tensor[] w = pairRandom(48, 40);
        Tensor[] x = pairRandom(64, 40);
        Tensor[] gx = pair(new float[64 * 40], 64, 40);
        Tensor[] gw = pair(new float[48 * 40], 48, 40);
        both((be, i) -> be.fork(() -> {
            be.gemm(false, false, 64, 40, 48, 1f, g[i], 0, 48, w[i], 0, 40, 0f, gx[i], 0, 40);
            be.scale(gx[i], 2f, gx[i]);
        }, () -> {
            be.gemm(true, false, 48, 40, 64, 1f, g[i], 0, 48, x[i], 0, 40, 0f, gw[i], 0, 40);
            be.scale(gw[i], -1f, gw[i]);
        }));
        assertClose("fork, first sequence", gx);
        assertClose("fork, second sequence", gw);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> backend().fork(() -> { }, () -> {
            throw new IllegalStateException("second");
        }));
        assertEquals("second", e.getMessage(), "a failure of either sequence reaches the caller");
    }

    // ---- elementwise ----------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void binary(BinaryOp op) {
        Tensor[] a = pairRandom(1001);
        Tensor[] b = pair(uniform(1001, 0.5, 2), 1001);
        Tensor[] out = pair(new float[1001], 1001);
        both((be, i) -> be.binary(op, a[i], b[i], out[i]));
        assertClose(op.name(), out);
    }

    @Test
    void axpbyScaleAndBias() {
        Tensor[] x = pairRandom(3, 5, 7);
        Tensor[] y = pairRandom(3, 5, 7);
        both((be, i) -> be.axpby(0.5f, x[i], -2f, y[i]));
        assertClose("axpby", y);
        Tensor[] s = pair(new float[105], 105);
        both((be, i) -> be.scale(x[i], 3f, s[i]));
        assertClose("scale", s);
        Tensor[] bias = pairRandom(5);
        Tensor[] out = pair(new float[105], 105);
        both((be, i) -> be.addBias(x[i], bias[i], 3, 5, 7, out[i]));
        assertClose("addBias", out);
        for (boolean acc : new boolean[] {false, true}) {
            Tensor[] gb = pairRandom(5);
            both((be, i) -> be.sumBias(x[i], 3, 5, 7, gb[i], acc));
            assertClose("sumBias accumulate=" + acc, gb);
        }
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void activations(Activation f) {
        Tensor[] x = pair(uniform(2000, -4, 4), 2000);
        Tensor[] y = pair(new float[2000], 2000);
        both((be, i) -> be.activation(f, x[i], y[i]));
        assertClose(f + " forward", y);
        Tensor[] gy = pairRandom(2000);
        Tensor[] gx = pair(new float[2000], 2000);
        both((be, i) -> be.activationBackward(f, x[i], y[i], gy[i], gx[i]));
        assertClose(f + " backward", gx);
        if (f != Activation.GELU) {
            Tensor[] gx2 = pair(new float[2000], 2000);
            both((be, i) -> be.activationBackward(f, x[i], null, gy[i], gx2[i]));
            assertClose(f + " backward without y", gx2);
        }
    }

    // ---- softmax and cross-entropy --------------------------------------------------------------

    @Test
    void softmaxAndBackward() {
        for (boolean log : new boolean[] {false, true}) {
            Tensor[] x = pair(uniform(13 * 300, -5, 5), 13, 300);
            Tensor[] y = pair(new float[13 * 300], 13, 300);
            both((be, i) -> be.softmax(x[i], 13, 300, log, y[i]));
            assertClose("softmax log=" + log, y);
            Tensor[] gy = pairRandom(13, 300);
            Tensor[] gx = pair(new float[13 * 300], 13, 300);
            both((be, i) -> be.softmaxBackward(y[i], gy[i], 13, 300, log, gx[i]));
            assertClose("softmax backward log=" + log, gx);
        }
    }

    @Test
    void crossEntropyWithSmoothingAndGradient() {
        int rows = 70;
        int cols = 10;
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            labels[r] = rng.nextInt(cols);
        }
        for (float smoothing : new float[] {0f, 0.1f}) {
            Tensor[] x = pair(uniform(rows * cols, -6, 6), rows, cols);
            Tensor[] y = pairInts(labels, rows);
            Tensor[] loss = pair(new float[rows], rows);
            Tensor[] grad = pair(new float[rows * cols], rows, cols);
            both((be, i) -> be.crossEntropy(x[i], y[i], rows, cols, smoothing, loss[i], grad[i], 1f / rows));
            assertClose("cross-entropy loss, smoothing " + smoothing, loss);
            assertClose("cross-entropy grad, smoothing " + smoothing, grad);
            Tensor[] lossOnly = pair(new float[rows], rows);
            both((be, i) -> be.crossEntropy(x[i], y[i], rows, cols, smoothing, lossOnly[i], null, 1f));
            assertClose("cross-entropy without gradient", lossOnly);
        }
    }

    @Test
    void crossEntropyNamesTheRowOfABadLabel() {
        Tensor x = Tensor.of(backend(), uniform(30), 3, 10);
        Tensor y = Tensor.ofInts(backend(), new int[] {1, 10, 2}, 3);
        Tensor loss = Tensor.empty(backend(), 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend().crossEntropy(x, y, 3, 10, 0f, loss, null, 1f));
        assertTrue(e.getMessage().contains("row 1") && e.getMessage().contains("label 10"), e.getMessage());
    }

    // ---- reductions -----------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void reduce(ReduceOp op) {
        Tensor[] x = pairRandom(4, 33, 6);
        Tensor[] out = pair(new float[24], 4, 6);
        both((be, i) -> be.reduce(op, x[i], 4, 33, 6, out[i]));
        assertClose(op.name(), out);
    }

    @Test
    void argmaxAndSumOfSquares() {
        float[] data = uniform(4 * 33 * 6);
        data[5] = data[5 + 6]; // a tie: the first index wins
        Tensor[] x = pair(data, 4, 33, 6);
        Tensor[] idx = pairInts(new int[24], 4, 6);
        both((be, i) -> be.argmax(x[i], 4, 33, 6, idx[i]));
        assertExact("argmax", idx);
        float[] big = uniform(300_001);
        double want = CPU.sumOfSquares(Tensor.of(CPU, big, big.length));
        double got = backend().sumOfSquares(Tensor.of(backend(), big, big.length));
        assertEquals(want, got, 1e-9 * want, "sum of squares");
    }

    // ---- convolution ----------------------------------------------------------------------------

    @Test
    void im2colAndCol2imSingleImageWithOffsets() {
        ConvGeometry g = new ConvGeometry(3, 9, 8, 3, 2, 2, 1, 1, 1);
        int image = 3 * 9 * 8;
        Tensor[] x = pairRandom(5 + image);
        Tensor[] cols = pair(new float[11 + g.colRows() * g.colCols()], 11 + g.colRows() * g.colCols());
        both((be, i) -> be.im2col(x[i], 5, g, cols[i], 11));
        assertExact("im2col", cols);
        Tensor[] back = pairRandom(5 + image);
        both((be, i) -> be.col2im(cols[i], 11, g, back[i], 5));
        assertClose("col2im accumulates", back);
    }

    @Test
    void conv2dForwardAndBackward() {
        ConvGeometry g = new ConvGeometry(3, 11, 10, 5, 3, 2, 1, 2, 1);
        int n = 4;
        int o = 6;
        Tensor[] x = pairRandom(n, 3, 11, 10);
        Tensor[] w = pairRandom(o, 3, 5, 3);
        int p = g.colCols();
        Tensor[] y = pair(new float[n * o * p], n, o, p);
        both((be, i) -> be.conv2d(x[i], w[i], n, g, y[i]));
        assertClose("conv2d", y);
        Tensor[] gy = pairRandom(n, o, p);
        Tensor[] gx = pair(uniform(n * 3 * 11 * 10), n, 3, 11, 10); // overwritten
        both((be, i) -> be.conv2dBackwardInput(gy[i], w[i], n, g, gx[i]));
        assertClose("conv2d backward input", gx);
        for (boolean acc : new boolean[] {false, true}) {
            Tensor[] gw = pairRandom(o, 3, 5, 3);
            both((be, i) -> be.conv2dBackwardWeight(gy[i], x[i], n, g, gw[i], acc));
            assertClose("conv2d backward weight accumulate=" + acc, gw);
        }
    }

    // ---- pooling --------------------------------------------------------------------------------

    @Test
    void maxPoolOverlappingPaddedWindows() {
        PoolGeometry g = new PoolGeometry(9, 7, 3, 3, 2, 1, 1, 1);
        int planes = 5;
        int outs = planes * g.outHeight() * g.outWidth();
        Tensor[] x = pairRandom(planes, 9, 7);
        Tensor[] out = pair(new float[outs], outs);
        Tensor[] idx = pairInts(new int[outs], outs);
        both((be, i) -> be.maxPool2d(x[i], planes, g, out[i], idx[i]));
        assertExact("max pool", out);
        assertExact("max pool indices", idx);
        Tensor[] gy = pairRandom(outs);
        Tensor[] gx = pair(uniform(planes * 63), planes * 63);
        both((be, i) -> be.maxPool2dBackward(gy[i], idx[i], planes, g, gx[i]));
        assertClose("max pool backward", gx);
    }

    @Test
    void avgPool() {
        PoolGeometry g = new PoolGeometry(8, 8, 2, 3, 2, 2, 1, 1);
        int planes = 3;
        int outs = planes * g.outHeight() * g.outWidth();
        Tensor[] x = pairRandom(planes, 8, 8);
        Tensor[] out = pair(new float[outs], outs);
        both((be, i) -> be.avgPool2d(x[i], planes, g, out[i]));
        assertClose("avg pool", out);
        Tensor[] gy = pairRandom(outs);
        Tensor[] gx = pair(uniform(planes * 64), planes * 64);
        both((be, i) -> be.avgPool2dBackward(gy[i], planes, g, gx[i]));
        assertClose("avg pool backward", gx);
    }

    // ---- batch normalisation --------------------------------------------------------------------

    @Test
    void batchNorm() {
        int n = 6;
        int c = 4;
        int inner = 25;
        Tensor[] x = pair(uniform(n * c * inner, -2, 3), n, c, inner);
        Tensor[] mean = pair(new float[c], c);
        Tensor[] var = pair(new float[c], c);
        both((be, i) -> be.batchNormStats(x[i], n, c, inner, mean[i], var[i]));
        assertClose("mean", mean);
        assertClose("var", var);
        Tensor[] inv = pair(new float[c], c);
        both((be, i) -> be.inverseStd(var[i], 1e-5f, inv[i]));
        assertClose("inverse std", inv);
        Tensor[] gamma = pair(uniform(c, 0.5, 1.5), c);
        Tensor[] beta = pairRandom(c);
        Tensor[] out = pair(new float[n * c * inner], n, c, inner);
        both((be, i) -> be.batchNormForward(x[i], mean[i], inv[i], gamma[i], beta[i], n, c, inner, out[i]));
        assertClose("batch norm forward", out);
        Tensor[] gy = pairRandom(n, c, inner);
        Tensor[] gx = pair(new float[n * c * inner], n, c, inner);
        Tensor[] gg = pair(new float[c], c);
        Tensor[] gb = pair(new float[c], c);
        both((be, i) -> be.batchNormBackward(gy[i], x[i], mean[i], inv[i], gamma[i], n, c, inner, gx[i], gg[i], gb[i]));
        assertClose("batch norm grad input", gx, 1e-4, 1e-6);
        assertClose("batch norm grad gamma", gg);
        assertClose("batch norm grad beta", gb);
        Tensor[] gxOnly = pair(new float[n * c * inner], n, c, inner);
        both((be, i) -> be.batchNormBackward(gy[i], x[i], mean[i], inv[i], gamma[i], n, c, inner, gxOnly[i], null, null));
        assertClose("batch norm grad input alone", gxOnly, 1e-4, 1e-6);
    }

    // ---- randomness, indexing, optimizers -------------------------------------------------------

    @Test
    void dropoutMaskIsBitIdentical() {
        Tensor[] mask = pair(new float[10_007], 10_007);
        both((be, i) -> be.dropoutMask(0xDEADBEEFCAFEL, 0.3f, mask[i]));
        assertExact("dropout mask", mask);
    }

    @Test
    void gatherAndScatterAddWithRepeatedIndices() {
        int[] idx = {3, 0, 3, 7, 1, 3};
        Tensor[] table = pairRandom(8, 5);
        Tensor[] ix = pairInts(idx, 6);
        Tensor[] out = pair(new float[30], 6, 5);
        both((be, i) -> be.gatherRows(table[i], ix[i], 6, 5, out[i]));
        assertExact("gather rows", out);
        Tensor[] grad = pairRandom(6, 5);
        Tensor[] tg = pairRandom(8, 5);
        both((be, i) -> be.scatterAddRows(grad[i], ix[i], 6, 5, tg[i]));
        assertClose("scatter-add rows", tg);
    }

    @Test
    void sgdVariants() {
        int n = 3001;
        for (int variant = 0; variant < 4; variant++) {
            boolean nesterov = variant == 1;
            boolean first = variant == 2;
            boolean noMomentum = variant == 3;
            Tensor[] p = pairRandom(n);
            Tensor[] g = pairRandom(n);
            Tensor[] buf = noMomentum ? new Tensor[2] : pairRandom(n);
            float momentum = noMomentum ? 0f : 0.9f;
            both((be, i) -> be.sgdUpdate(p[i], g[i], buf[i], 0.05f, momentum, nesterov ? 0f : 0.1f, 1e-3f,
                    nesterov, first));
            assertClose("sgd variant " + variant + " param", p);
            if (!noMomentum) {
                assertClose("sgd variant " + variant + " buffer", buf);
            }
        }
    }

    @Test
    void adamAndAdamW() {
        int n = 2049;
        for (boolean decoupled : new boolean[] {false, true}) {
            Tensor[] p = pairRandom(n);
            Tensor[] g = pairRandom(n);
            Tensor[] m = pair(new float[n], n);
            Tensor[] v = pair(new float[n], n);
            for (int t = 1; t <= 3; t++) {
                int step = t;
                both((be, i) -> be.adamUpdate(p[i], g[i], m[i], v[i], 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, decoupled, step));
            }
            assertClose("adam decoupled=" + decoupled + " param", p);
            assertClose("adam decoupled=" + decoupled + " m", m);
            assertClose("adam decoupled=" + decoupled + " v", v);
        }
    }
}
