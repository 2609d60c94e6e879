package org.hvd4j.tensor.cuda;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.HashMap;
import java.util.Map;
import org.hvd4j.cuda.CudaException;
import org.hvd4j.cuda.KernelArgs;
import org.hvd4j.tensor.Activation;
import org.hvd4j.tensor.BinaryOp;
import org.hvd4j.tensor.ConvGeometry;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.HalfFloats;
import org.hvd4j.tensor.PoolGeometry;
import org.hvd4j.tensor.ReduceOp;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;

/**
 * The CPU twin of every kernel in {@code hvd4j_kernels.h}: a launch on the emulated device decodes
 * the kernel's arguments, views the device memory they point to as CPU tensors and runs the CPU
 * backend's op of the same meaning (or, for the few kernels without one, such as the layout swap
 * and fusion packing, a plain loop). Kernels whose launch geometry carries meaning (one block per
 * row or channel, one grid row per fused tensor) have it checked, so a launch that would compute
 * the wrong thing on a GPU fails here too.
 */
final class KernelTwins {
    /** One launch: kernel name, grid, block and arguments. */
    record Launch(String name, int gridX, int gridY, int blockX, KernelArgs args) {
        int i(int k) {
            return args.asInt(k);
        }

        float f(int k) {
            return args.asFloat(k);
        }

        long p(int k) {
            return args.asLong(k);
        }

        boolean flag(int k) {
            return args.asInt(k) != 0;
        }
    }

    private interface Body {
        void run(Launch l);
    }

    private interface Check {
        /** Null when the geometry is fine, else what is wrong. */
        String problem(Launch l);
    }

    private record Twin(Check check, Body body) {
    }

    private static final Check ANY_GRID = l -> null;

    private final EmulatedMemory mem;
    private final CpuBackend cpu = CpuBackend.get();
    private final Map<String, Twin> twins = new HashMap<>();

    KernelTwins(EmulatedMemory mem) {
        this.mem = mem;
        elementwise();
        softmaxAndReductions();
        convolutionAndPooling();
        normalisationAndRandom();
        indexingAndOptimizers();
        castsAndFusion();
    }

    /** The kernel names that have a twin. */
    java.util.Set<String> names() {
        return twins.keySet();
    }

    void check(Launch l) {
        Twin t = twins.get(l.name);
        if (t == null) {
            throw new CudaException("cuLaunchKernel", 500, "CUDA_ERROR_NOT_FOUND (emulated): kernel " + l.name
                    + " has no CPU twin in " + KernelTwins.class.getName());
        }
        String problem = t.check.problem(l);
        if (problem != null) {
            throw new CudaException("cuLaunchKernel", 1, "bad launch geometry for " + l.name + " (grid "
                    + l.gridX + "x" + l.gridY + ", " + l.blockX + " threads): " + problem);
        }
    }

    void run(Launch l) {
        twins.get(l.name).body.run(l);
    }

    private void add(String name, Check check, Body body) {
        twins.put(name, new Twin(check, body));
    }

    /** One block per row (or channel) of at most 256 threads: the kernels' __launch_bounds__(256). */
    private static Check gridX(java.util.function.ToIntFunction<Launch> expected, String what) {
        return l -> l.gridX != expected.applyAsInt(l)
                ? "needs one block per " + what + " (gridDim.x = " + expected.applyAsInt(l) + ")"
                : l.blockX > CudaBackend.BLOCK ? "per-" + what + " kernels take at most " + CudaBackend.BLOCK
                        + " threads per block (__launch_bounds__)" : null;
    }

    // ---- memory views -------------------------------------------------------------------------

    private Tensor f32(Launch l, int arg, long count) {
        return mem.tensor(l.p(arg), DType.FLOAT32, count, l.name);
    }

    private Tensor i32(Launch l, int arg, long count) {
        return mem.tensor(l.p(arg), DType.INT32, count, l.name);
    }

    /** Null for a null pointer (the kernels' nullable arguments). */
    private Tensor f32OrNull(Launch l, int arg, long count) {
        return l.p(arg) == 0 ? null : f32(l, arg, count);
    }

    private ByteBuffer raw(Launch l, int arg, long bytes) {
        return mem.bytes(l.p(arg), bytes, l.name);
    }

    // ---- families -----------------------------------------------------------------------------

    private void elementwise() {
        add("hvd_fill_f32", ANY_GRID, l -> cpu.fill(f32(l, 0, l.i(2)), l.f(1)));
        add("hvd_binary_f32", ANY_GRID, l -> cpu.binary(BinaryOp.values()[l.i(0)],
                f32(l, 1, l.i(4)), f32(l, 2, l.i(4)), f32(l, 3, l.i(4))));
        add("hvd_axpby_f32", ANY_GRID, l -> cpu.axpby(l.f(0), f32(l, 1, l.i(4)), l.f(2), f32(l, 3, l.i(4))));
        add("hvd_scale_f32", ANY_GRID, l -> cpu.scale(f32(l, 0, l.i(3)), l.f(1), f32(l, 2, l.i(3))));
        add("hvd_add_bias_f32", ANY_GRID, l -> {
            long n = (long) l.i(3) * l.i(4) * l.i(5);
            cpu.addBias(f32(l, 0, n), f32(l, 1, l.i(4)), l.i(3), l.i(4), l.i(5), f32(l, 2, n));
        });
        add("hvd_sum_bias_f32", gridX(l -> l.i(3), "channel"), l -> {
            long n = (long) l.i(2) * l.i(3) * l.i(4);
            cpu.sumBias(f32(l, 0, n), l.i(2), l.i(3), l.i(4), f32(l, 1, l.i(3)), l.flag(5));
        });
        add("hvd_activation_f32", ANY_GRID, l -> cpu.activation(Activation.values()[l.i(0)],
                f32(l, 1, l.i(3)), f32(l, 2, l.i(3))));
        add("hvd_activation_backward_f32", ANY_GRID, l -> {
            int n = l.i(5);
            cpu.activationBackward(Activation.values()[l.i(0)], f32OrNull(l, 1, n), f32OrNull(l, 2, n),
                    f32(l, 3, n), f32(l, 4, n));
        });
    }

    private void softmaxAndReductions() {
        add("hvd_softmax_f32", gridX(l -> l.i(2), "row"), l -> {
            long n = (long) l.i(2) * l.i(3);
            cpu.softmax(f32(l, 0, n), l.i(2), l.i(3), l.flag(4), f32(l, 1, n));
        });
        add("hvd_softmax_backward_f32", gridX(l -> l.i(3), "row"), l -> {
            long n = (long) l.i(3) * l.i(4);
            cpu.softmaxBackward(f32(l, 0, n), f32(l, 1, n), l.i(3), l.i(4), l.flag(5), f32(l, 2, n));
        });
        add("hvd_cross_entropy_f32", gridX(l -> l.i(4), "row"), this::crossEntropy);
        add("hvd_reduce_f32", ANY_GRID, l -> {
            int outer = l.i(3);
            int n = l.i(4);
            int inner = l.i(5);
            cpu.reduce(ReduceOp.values()[l.i(0)], f32(l, 1, (long) outer * n * inner), outer, n, inner,
                    f32(l, 2, (long) outer * inner));
        });
        add("hvd_argmax_f32", ANY_GRID, l -> {
            int outer = l.i(2);
            int n = l.i(3);
            int inner = l.i(4);
            cpu.argmax(f32(l, 0, (long) outer * n * inner), outer, n, inner, i32(l, 1, (long) outer * inner));
        });
        add("hvd_sum_squares_f32", ANY_GRID, l -> {
            // block b owns the elements i with (i / blockDim) % gridDim == b, as the grid-stride loop
            int n = l.i(2);
            FloatBuffer x = raw(l, 0, 4L * n).asFloatBuffer();
            ByteBuffer partial = raw(l, 1, 8L * l.gridX);
            double[] sums = new double[l.gridX];
            for (int i = 0; i < n; i++) {
                double v = x.get(i);
                sums[(i / l.blockX) % l.gridX] += v * v;
            }
            for (int b = 0; b < l.gridX; b++) {
                partial.putDouble(8 * b, sums[b]);
            }
        });
    }

    /** Rows with a label outside [0, cols) get a NaN loss and report the first such row. */
    private void crossEntropy(Launch l) {
        int rows = l.i(4);
        int cols = l.i(5);
        Tensor logits = f32(l, 0, (long) rows * cols);
        Tensor labels = i32(l, 1, rows);
        Tensor loss = f32(l, 2, rows);
        Tensor grad = f32OrNull(l, 3, (long) rows * cols);
        int[] lab = labels.toIntArray();
        int firstBad = Integer.MAX_VALUE;
        for (int r = 0; r < rows && firstBad == Integer.MAX_VALUE; r++) {
            firstBad = lab[r] < 0 || lab[r] >= cols ? r : firstBad;
        }
        if (firstBad == Integer.MAX_VALUE) {
            cpu.crossEntropy(logits, labels, rows, cols, l.f(6), loss, grad, l.f(7));
            return;
        }
        ByteBuffer badRow = raw(l, 8, 4);
        badRow.putInt(0, Math.min(badRow.getInt(0), firstBad));
        for (int r = 0; r < rows; r++) {
            if (lab[r] < 0 || lab[r] >= cols) {
                cpu.fill(loss.narrowRows(r, r + 1), Float.NaN);
            } else {
                cpu.crossEntropy(logits.narrowRows(r * cols, (r + 1) * cols), labels.narrowRows(r, r + 1), 1, cols,
                        l.f(6), loss.narrowRows(r, r + 1),
                        grad == null ? null : grad.narrowRows(r * cols, (r + 1) * cols), l.f(7));
            }
        }
    }

    private void convolutionAndPooling() {
        add("hvd_im2col_f32", ANY_GRID, l -> {
            ConvGeometry g = conv(l, 3);
            int n = l.i(2);
            checkOut(l, g, 12);
            int rowsK = g.colRows();
            int p = g.colCols();
            Tensor x = f32(l, 0, (long) n * g.channels() * g.height() * g.width());
            Tensor cols = f32(l, 1, (long) rowsK * n * p);
            if (n == 1) {
                cpu.im2col(x, 0, g, cols, 0);
                return;
            }
            float[] one = new float[rowsK * p];
            Tensor tmp = Tensor.of(cpu, one, rowsK * p);
            FloatBuffer dst = raw(l, 1, 4L * rowsK * n * p).asFloatBuffer();
            for (int b = 0; b < n; b++) {
                cpu.im2col(x, b * g.channels() * g.height() * g.width(), g, tmp, 0);
                cpu.copyOut(tmp, 0, one, 0, one.length);
                for (int r = 0; r < rowsK; r++) {
                    dst.put((r * n + b) * p, one, r * p, p);
                }
            }
        });
        add("hvd_col2im_f32", ANY_GRID, l -> {
            ConvGeometry g = conv(l, 3);
            int n = l.i(2);
            checkOut(l, g, 12);
            int rowsK = g.colRows();
            int p = g.colCols();
            int image = g.channels() * g.height() * g.width();
            Tensor x = f32(l, 1, (long) n * image);
            FloatBuffer src = raw(l, 0, 4L * rowsK * n * p).asFloatBuffer();
            float[] one = new float[rowsK * p];
            Tensor tmp = Tensor.of(cpu, one, rowsK * p);
            for (int b = 0; b < n; b++) {
                for (int r = 0; r < rowsK; r++) {
                    src.get((r * n + b) * p, one, r * p, p);
                }
                cpu.copyIn(one, 0, tmp, 0, one.length);
                if (!l.flag(14)) {
                    cpu.fill(x.narrowRows(b * image, (b + 1) * image), 0f);
                }
                cpu.col2im(tmp, 0, g, x, b * image);
            }
        });
        add("hvd_swap01_f32", ANY_GRID, l -> {
            int a = l.i(2);
            int b = l.i(3);
            int inner = l.i(4);
            FloatBuffer in = raw(l, 0, 4L * a * b * inner).asFloatBuffer();
            FloatBuffer out = raw(l, 1, 4L * a * b * inner).asFloatBuffer();
            for (int i = 0; i < a; i++) {
                for (int j = 0; j < b; j++) {
                    out.put((j * a + i) * inner, in, (i * b + j) * inner, inner);
                }
            }
        });
        add("hvd_maxpool2d_f32", ANY_GRID, l -> {
            PoolGeometry g = pool(l, 4, 8);
            int planes = l.i(3);
            cpu.maxPool2d(f32(l, 0, (long) planes * g.height() * g.width()), planes, g,
                    f32(l, 1, (long) planes * g.outHeight() * g.outWidth()),
                    i32(l, 2, (long) planes * g.outHeight() * g.outWidth()));
        });
        add("hvd_maxpool2d_backward_f32", ANY_GRID, l -> {
            PoolGeometry g = pool(l, 4, 8);
            int planes = l.i(3);
            cpu.maxPool2dBackward(f32(l, 0, (long) planes * g.outHeight() * g.outWidth()),
                    i32(l, 1, (long) planes * g.outHeight() * g.outWidth()), planes, g,
                    f32(l, 2, (long) planes * g.height() * g.width()));
        });
        add("hvd_avgpool2d_f32", ANY_GRID, l -> {
            PoolGeometry g = pool(l, 3, 7);
            int planes = l.i(2);
            cpu.avgPool2d(f32(l, 0, (long) planes * g.height() * g.width()), planes, g,
                    f32(l, 1, (long) planes * g.outHeight() * g.outWidth()));
        });
        add("hvd_avgpool2d_backward_f32", ANY_GRID, l -> {
            PoolGeometry g = pool(l, 3, 7);
            int planes = l.i(2);
            cpu.avgPool2dBackward(f32(l, 0, (long) planes * g.outHeight() * g.outWidth()), planes, g,
                    f32(l, 1, (long) planes * g.height() * g.width()));
        });
    }

    /** ConvGeometry from (C, H, W, kh, kw, sh, sw, ph, pw) starting at argument {@code from}. */
    private static ConvGeometry conv(Launch l, int from) {
        return new ConvGeometry(l.i(from), l.i(from + 1), l.i(from + 2), l.i(from + 3), l.i(from + 4),
                l.i(from + 5), l.i(from + 6), l.i(from + 7), l.i(from + 8));
    }

    private static void checkOut(Launch l, ConvGeometry g, int ohArg) {
        if (l.i(ohArg) != g.outHeight() || l.i(ohArg + 1) != g.outWidth()) {
            throw new CudaException(l.name, 1, l.name + ": OH x OW = " + l.i(ohArg) + "x" + l.i(ohArg + 1)
                    + " but the geometry gives " + g.outHeight() + "x" + g.outWidth());
        }
    }

    /** PoolGeometry from (H, W) at {@code hw}, OH, OW after them, and (kh, kw, sh, sw, ph, pw) at {@code k}. */
    private static PoolGeometry pool(Launch l, int hw, int k) {
        PoolGeometry g = new PoolGeometry(l.i(hw), l.i(hw + 1), l.i(k), l.i(k + 1), l.i(k + 2), l.i(k + 3),
                l.i(k + 4), l.i(k + 5));
        if (l.i(hw + 2) != g.outHeight() || l.i(hw + 3) != g.outWidth()) {
            throw new CudaException(l.name, 1, l.name + ": OH x OW = " + l.i(hw + 2) + "x" + l.i(hw + 3)
                    + " but the geometry gives " + g.outHeight() + "x" + g.outWidth());
        }
        return g;
    }

    private void normalisationAndRandom() {
        add("hvd_bn_stats_f32", gridX(l -> l.i(4), "channel"), l -> {
            int n = l.i(3);
            int c = l.i(4);
            int inner = l.i(5);
            cpu.batchNormStats(f32(l, 0, (long) n * c * inner), n, c, inner, f32(l, 1, c), f32(l, 2, c));
        });
        add("hvd_inverse_std_f32", ANY_GRID, l -> cpu.inverseStd(f32(l, 0, l.i(3)), l.f(1), f32(l, 2, l.i(3))));
        add("hvd_bn_forward_f32", ANY_GRID, l -> {
            int n = l.i(6);
            int c = l.i(7);
            int inner = l.i(8);
            long all = (long) n * c * inner;
            cpu.batchNormForward(f32(l, 0, all), f32(l, 1, c), f32(l, 2, c), f32(l, 3, c), f32(l, 4, c),
                    n, c, inner, f32(l, 5, all));
        });
        add("hvd_bn_backward_f32", gridX(l -> l.i(9), "channel"), l -> {
            int n = l.i(8);
            int c = l.i(9);
            int inner = l.i(10);
            long all = (long) n * c * inner;
            cpu.batchNormBackward(f32(l, 0, all), f32(l, 1, all), f32(l, 2, c), f32(l, 3, c), f32(l, 4, c),
                    n, c, inner, f32OrNull(l, 5, all), f32OrNull(l, 6, c), f32OrNull(l, 7, c));
        });
        add("hvd_dropout_mask_f32", ANY_GRID, l -> cpu.dropoutMask(l.p(1), l.f(2), f32(l, 0, l.i(3))));
    }

    private void indexingAndOptimizers() {
        add("hvd_gather_rows_f32", ANY_GRID, l -> {
            int rows = l.i(3);
            int dim = l.i(4);
            cpu.gatherRows(tableView(l, 0, dim), i32(l, 1, rows), rows, dim, f32(l, 2, (long) rows * dim));
        });
        add("hvd_scatter_add_rows_f32", ANY_GRID, l -> {
            int rows = l.i(3);
            int dim = l.i(4);
            Tensor table = tableView(l, 2, dim);
            IntBuffer idx = raw(l, 1, 4L * rows).asIntBuffer();
            int tableRows = table.numel() / dim;
            for (int r = 0; r < rows; r++) {
                if (idx.get(r) < 0 || idx.get(r) >= tableRows) {
                    throw new CudaException(l.name, 700, "CUDA_ERROR_ILLEGAL_ADDRESS (emulated): " + l.name
                            + " row index " + idx.get(r) + " at position " + r + " is outside the table");
                }
            }
            cpu.scatterAddRows(f32(l, 0, (long) rows * dim), i32(l, 1, rows), rows, dim, table);
        });
        add("hvd_sgd_update_f32", ANY_GRID, l -> {
            int n = l.i(3);
            cpu.sgdUpdate(f32(l, 0, n), f32(l, 1, n), f32OrNull(l, 2, n), l.f(4), l.f(5), l.f(6), l.f(7),
                    l.flag(8), l.flag(9));
        });
        add("hvd_adam_update_f32", ANY_GRID, l -> {
            int n = l.i(4);
            float lr = l.f(5);
            float stepSize = (float) (lr / (double) l.f(11));
            float sqrtBc2 = (float) Math.sqrt(l.f(12));
            CpuBackend.adamCorrected(f32(l, 0, n), f32(l, 1, n), f32(l, 2, n), f32(l, 3, n), lr, l.f(6), l.f(7),
                    l.f(8), l.f(9), l.flag(10), stepSize, sqrtBc2);
        });
    }

    /** A table of whole rows of {@code dim} floats from the pointer to the end of its allocation. */
    private Tensor tableView(Launch l, int arg, int dim) {
        long bytes = mem.bytesToEnd(l.p(arg), l.name);
        return f32(l, arg, bytes / 4 / dim * dim);
    }

    private void castsAndFusion() {
        add("hvd_f32_to_bf16", ANY_GRID, l -> narrow(l, true));
        add("hvd_f32_to_f16", ANY_GRID, l -> narrow(l, false));
        add("hvd_bf16_to_f32", ANY_GRID, l -> widen(l, true));
        add("hvd_f16_to_f32", ANY_GRID, l -> widen(l, false));
        add("hvd_pack_f32", oneRowPerTensor(2), l -> {
            int count = l.i(2);
            ByteBuffer srcs = raw(l, 0, 8L * count);
            ByteBuffer offsets = raw(l, 1, 8L * (count + 1));
            for (int t = 0; t < count; t++) {
                long from = offsets.getLong(8 * t);
                long len = offsets.getLong(8 * t + 8) - from;
                copyScaled(mem.tensor(srcs.getLong(8 * t), DType.FLOAT32, len, l.name),
                        mem.tensor(l.p(3) + 4 * from, DType.FLOAT32, len, l.name), l.f(4));
            }
        });
        add("hvd_unpack_f32", oneRowPerTensor(3), l -> {
            int count = l.i(3);
            ByteBuffer dsts = raw(l, 1, 8L * count);
            ByteBuffer offsets = raw(l, 2, 8L * (count + 1));
            for (int t = 0; t < count; t++) {
                long from = offsets.getLong(8 * t);
                long len = offsets.getLong(8 * t + 8) - from;
                copyScaled(mem.tensor(l.p(0) + 4 * from, DType.FLOAT32, len, l.name),
                        mem.tensor(dsts.getLong(8 * t), DType.FLOAT32, len, l.name), l.f(4));
            }
        });
    }

    private static Check oneRowPerTensor(int countArg) {
        return l -> l.gridY == l.i(countArg) ? null : "needs gridDim.y == count (" + l.i(countArg) + ")";
    }

    private void copyScaled(Tensor src, Tensor dst, float scale) {
        if (src.numel() > 0) {
            cpu.scale(src, scale, dst);
        }
    }

    private void narrow(Launch l, boolean bf16) {
        int n = l.i(2);
        FloatBuffer in = raw(l, 0, 4L * n).asFloatBuffer();
        ByteBuffer out = raw(l, 1, 2L * n);
        for (int i = 0; i < n; i++) {
            float v = in.get(i);
            out.putShort(2 * i, bf16 ? HalfFloats.floatToBfloat16(v) : HalfFloats.floatToHalf(v));
        }
    }

    private void widen(Launch l, boolean bf16) {
        int n = l.i(2);
        ByteBuffer in = raw(l, 0, 2L * n);
        FloatBuffer out = raw(l, 1, 4L * n).asFloatBuffer();
        for (int i = 0; i < n; i++) {
            short h = in.getShort(2 * i);
            out.put(i, bf16 ? HalfFloats.bfloat16ToFloat(h) : HalfFloats.halfToFloat(h));
        }
    }
}
