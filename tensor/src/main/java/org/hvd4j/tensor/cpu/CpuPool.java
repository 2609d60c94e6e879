package org.hvd4j.tensor.cpu;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;
import org.hvd4j.tensor.PoolGeometry;
import org.hvd4j.tensor.Tensor;

/**
 * Max and average pooling over planes {@code [planes, H, W]}, one plane at a time staged in
 * {@link Scratch} arrays.
 */
final class CpuPool {
    private CpuPool() {
    }

    static void maxPool(Tensor xt, int planes, PoolGeometry g, Tensor out, Tensor idxt) {
        FloatBuffer x = CpuBackend.f(xt);
        FloatBuffer y = CpuBackend.f(out);
        IntBuffer idx = CpuBackend.i(idxt);
        int h = g.height();
        int w = g.width();
        int oh = g.outHeight();
        int ow = g.outWidth();
        Parallel.forRange(planes, 4, (from, to) -> {
            float[] in = Scratch.floats(0, h * w);
            float[] vals = Scratch.floats(1, oh * ow);
            int[] arg = Scratch.ints(oh * ow);
            boolean twoByTwo = g.kh() == 2 && g.kw() == 2 && g.sh() == 2 && g.sw() == 2 && g.ph() == 0 && g.pw() == 0;
            for (int p = from; p < to; p++) {
                Scratch.load(x, xt.offset() + p * h * w, in, h * w);
                if (twoByTwo) {
                    maxPool2x2(in, w, oh, ow, vals, arg);
                    Scratch.store(vals, y, out.offset() + p * oh * ow, oh * ow);
                    idx.put(idxt.offset() + p * oh * ow, arg, 0, oh * ow);
                    continue;
                }
                for (int r = 0; r < oh; r++) {
                    int y0 = g.rowStart(r);
                    int y1 = g.rowEnd(r);
                    for (int c = 0; c < ow; c++) {
                        int x0 = g.colStart(c);
                        int x1 = g.colEnd(c);
                        int best = y0 * w + x0;
                        float bestV = in[best];
                        for (int iy = y0; iy < y1; iy++) {
                            for (int ix = x0; ix < x1; ix++) {
                                int k = iy * w + ix;
                                float v = in[k];
                                // Selects rather than branches (the JIT emits conditional moves;
                                // a branch on random data mispredicts half the time). The first
                                // NaN wins and stays, as in PyTorch.
                                boolean take = v > bestV || (v != v && bestV == bestV);
                                bestV = take ? v : bestV;
                                best = take ? k : best;
                            }
                        }
                        vals[r * ow + c] = bestV;
                        arg[r * ow + c] = best;
                    }
                }
                Scratch.store(vals, y, out.offset() + p * oh * ow, oh * ow);
                idx.put(idxt.offset() + p * oh * ow, arg, 0, oh * ow);
            }
        });
    }

    /**
     * The common 2×2, stride 2, unpadded case without a data-dependent branch: the maximum by
     * {@code Math.max} (a vector instruction) and the position of its first occurrence by integer
     * arithmetic on bit patterns. On random data the branchy window loop mispredicted so often that
     * it took 13–19 ms per {@code cnn} batch against 7 ms for this. A window holding NaN takes the
     * general path (the first NaN wins, as in PyTorch). Where -0.0 and +0.0 tie, the gradient goes
     * to the +0.0 (equal values, so the forward result is the same).
     */
    private static void maxPool2x2(float[] in, int w, int oh, int ow, float[] vals, int[] arg) {
        for (int r = 0; r < oh; r++) {
            for (int c = 0; c < ow; c++) {
                int k = 2 * r * w + 2 * c;
                float a = in[k];
                float b = in[k + 1];
                float cc = in[k + w];
                float d = in[k + w + 1];
                float m = Math.max(Math.max(a, b), Math.max(cc, d));
                int pos;
                if (m != m) {
                    pos = firstNaN(a, b, cc);
                } else {
                    // not-equal flags; the first equal of a, b, c, d is number na·(1 + nb·(1 + nc))
                    int na = differs(a, m);
                    int nb = differs(b, m);
                    int nc = differs(cc, m);
                    pos = na * (1 + nb * (1 + nc));
                }
                vals[r * ow + c] = m;
                arg[r * ow + c] = k + (pos & 1) + (pos >> 1) * w;
            }
        }
    }

    /** 1 when the bit patterns of x and m differ, else 0, without a branch. */
    private static int differs(float x, float m) {
        int diff = Float.floatToRawIntBits(x) ^ Float.floatToRawIntBits(m);
        return (diff | -diff) >>> 31;
    }

    /** Window position (0..3) of the first NaN among a, b, c and (else) d. */
    private static int firstNaN(float a, float b, float c) {
        return a != a ? 0 : b != b ? 1 : c != c ? 2 : 3;
    }

    static void maxPoolBackward(Tensor got, Tensor idxt, int planes, PoolGeometry g, Tensor git) {
        FloatBuffer go = CpuBackend.f(got);
        IntBuffer idx = CpuBackend.i(idxt);
        FloatBuffer gi = CpuBackend.f(git);
        int hw = g.height() * g.width();
        int ohw = g.outHeight() * g.outWidth();
        Parallel.forRange(planes, 4, (from, to) -> {
            float[] grad = Scratch.floats(0, hw);
            float[] up = Scratch.floats(1, ohw);
            int[] arg = Scratch.ints(ohw);
            for (int p = from; p < to; p++) {
                Arrays.fill(grad, 0, hw, 0f);
                Scratch.load(go, got.offset() + p * ohw, up, ohw);
                idx.get(idxt.offset() + p * ohw, arg, 0, ohw);
                for (int o = 0; o < ohw; o++) {
                    grad[arg[o]] += up[o];
                }
                Scratch.store(grad, gi, git.offset() + p * hw, hw);
            }
        });
    }

    static void avgPool(Tensor xt, int planes, PoolGeometry g, Tensor out) {
        FloatBuffer x = CpuBackend.f(xt);
        FloatBuffer y = CpuBackend.f(out);
        int h = g.height();
        int w = g.width();
        int oh = g.outHeight();
        int ow = g.outWidth();
        float inv = 1f / (g.kh() * g.kw()); // padding counts in the divisor (count_include_pad)
        Parallel.forRange(planes, 4, (from, to) -> {
            float[] in = Scratch.floats(0, h * w);
            float[] vals = Scratch.floats(1, oh * ow);
            for (int p = from; p < to; p++) {
                Scratch.load(x, xt.offset() + p * h * w, in, h * w);
                for (int r = 0; r < oh; r++) {
                    int y0 = g.rowStart(r);
                    int y1 = g.rowEnd(r);
                    for (int c = 0; c < ow; c++) {
                        int x0 = g.colStart(c);
                        int x1 = g.colEnd(c);
                        float s = 0f;
                        for (int iy = y0; iy < y1; iy++) {
                            for (int ix = x0; ix < x1; ix++) {
                                s += in[iy * w + ix];
                            }
                        }
                        vals[r * ow + c] = s * inv;
                    }
                }
                Scratch.store(vals, y, out.offset() + p * oh * ow, oh * ow);
            }
        });
    }

    static void avgPoolBackward(Tensor got, int planes, PoolGeometry g, Tensor git) {
        FloatBuffer go = CpuBackend.f(got);
        FloatBuffer gi = CpuBackend.f(git);
        int h = g.height();
        int w = g.width();
        int oh = g.outHeight();
        int ow = g.outWidth();
        float inv = 1f / (g.kh() * g.kw());
        Parallel.forRange(planes, 4, (from, to) -> {
            float[] grad = Scratch.floats(0, h * w);
            float[] up = Scratch.floats(1, oh * ow);
            for (int p = from; p < to; p++) {
                Arrays.fill(grad, 0, h * w, 0f);
                Scratch.load(go, got.offset() + p * oh * ow, up, oh * ow);
                for (int r = 0; r < oh; r++) {
                    int y0 = g.rowStart(r);
                    int y1 = g.rowEnd(r);
                    for (int c = 0; c < ow; c++) {
                        int x0 = g.colStart(c);
                        int x1 = g.colEnd(c);
                        float gv = up[r * ow + c] * inv;
                        for (int iy = y0; iy < y1; iy++) {
                            for (int ix = x0; ix < x1; ix++) {
                                grad[iy * w + ix] += gv;
                            }
                        }
                    }
                }
                Scratch.store(grad, gi, git.offset() + p * h * w, h * w);
            }
        });
    }
}
