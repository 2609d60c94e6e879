package org.hvd4j.tensor.cpu;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;
import org.hvd4j.tensor.ReduceOp;
import org.hvd4j.tensor.Tensor;

/** Reductions along one axis of an {@code [outer, n, inner]} view, and bias gradients. */
final class CpuReduce {
    private CpuReduce() {
    }

    static void reduce(ReduceOp op, Tensor xt, int outer, int n, int inner, Tensor out) {
        FloatBuffer x = CpuBackend.f(xt);
        FloatBuffer y = CpuBackend.f(out);
        int xo = xt.offset();
        int yo = out.offset();
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * n * inner + i;
                double acc = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : 0.0;
                for (int j = 0; j < n; j++) {
                    float v = x.get(xo + base + j * inner);
                    acc = op == ReduceOp.MAX ? Math.max(acc, v) : acc + v;
                }
                if (op == ReduceOp.MEAN) {
                    acc /= n;
                }
                y.put(yo + o * inner + i, (float) acc);
            }
        }
    }

    static void argmax(Tensor xt, int outer, int n, int inner, Tensor out) {
        FloatBuffer x = CpuBackend.f(xt);
        IntBuffer y = CpuBackend.i(out);
        int xo = xt.offset();
        int yo = out.offset();
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * n * inner + i;
                int best = 0;
                float bestV = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    float v = x.get(xo + base + j * inner);
                    if (v > bestV || (j == 0)) {
                        bestV = v;
                        best = j;
                    }
                }
                y.put(yo + o * inner + i, best);
            }
        }
    }

    static double sumOfSquares(Tensor xt) {
        FloatBuffer x = CpuBackend.f(xt);
        int xo = xt.offset();
        double s = 0;
        for (int i = 0, n = xt.numel(); i < n; i++) {
            double v = x.get(xo + i);
            s += v * v;
        }
        return s;
    }

    static void sumBias(Tensor gt, int outer, int channels, int inner, Tensor out, boolean accumulate) {
        FloatBuffer g = CpuBackend.f(gt);
        FloatBuffer y = CpuBackend.f(out);
        float[] sums;
        if (inner == 1) {
            // [outer, channels]: add rows into one vector (contiguous, vectorisable)
            sums = Scratch.floats(1, channels);
            Arrays.fill(sums, 0, channels, 0f);
            float[] row = Scratch.floats(0, channels);
            for (int o = 0; o < outer; o++) {
                Scratch.load(g, gt.offset() + o * channels, row, channels);
                for (int c = 0; c < channels; c++) {
                    sums[c] += row[c];
                }
            }
        } else {
            float[] result = Scratch.floats(1, channels); // caller's slot 1; the body uses slot 0
            sums = result;
            Parallel.forRange(channels, Math.max(1, (1 << 14) / Math.max(1, outer * inner)), (from, to) -> {
                float[] row = Scratch.floats(0, inner);
                for (int c = from; c < to; c++) {
                    float acc = 0f;
                    for (int o = 0; o < outer; o++) {
                        Scratch.load(g, gt.offset() + (o * channels + c) * inner, row, inner);
                        acc += sum(row, inner);
                    }
                    result[c] = acc;
                }
            });
        }
        for (int c = 0; c < channels; c++) {
            y.put(out.offset() + c, accumulate ? y.get(out.offset() + c) + sums[c] : sums[c]);
        }
    }

    /**
     * Sum of {@code v[0..n)} with four independent partial sums: a single running sum is one
     * dependent add per element (latency-bound, and the JIT may not reorder float adds).
     */
    static float sum(float[] v, int n) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += v[i];
            s1 += v[i + 1];
            s2 += v[i + 2];
            s3 += v[i + 3];
        }
        for (; i < n; i++) {
            s0 += v[i];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
