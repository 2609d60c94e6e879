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
            for (int p = from; p < to; p++) {
                Scratch.load(x, xt.offset() + p * h * w, in, h * w);
                for (int r = 0; r < oh; r++) {
                    int y0 = Math.max(0, r * g.sh() - g.ph());
                    int y1 = Math.min(h, r * g.sh() - g.ph() + g.kh());
                    for (int c = 0; c < ow; c++) {
                        int x0 = Math.max(0, c * g.sw() - g.pw());
                        int x1 = Math.min(w, c * g.sw() - g.pw() + g.kw());
                        int best = y0 * w + x0;
                        float bestV = in[best];
                        scan:
                        for (int iy = y0; iy < y1; iy++) {
                            for (int ix = x0; ix < x1; ix++) {
                                float v = in[iy * w + ix];
                                if (v > bestV || v != v) { // NaN wins and stops the search, as in PyTorch
                                    bestV = v;
                                    best = iy * w + ix;
                                    if (v != v) {
                                        break scan;
                                    }
                                }
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
                    int y0 = Math.max(0, r * g.sh() - g.ph());
                    int y1 = Math.min(h, r * g.sh() - g.ph() + g.kh());
                    for (int c = 0; c < ow; c++) {
                        int x0 = Math.max(0, c * g.sw() - g.pw());
                        int x1 = Math.min(w, c * g.sw() - g.pw() + g.kw());
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
                    int y0 = Math.max(0, r * g.sh() - g.ph());
                    int y1 = Math.min(h, r * g.sh() - g.ph() + g.kh());
                    for (int c = 0; c < ow; c++) {
                        int x0 = Math.max(0, c * g.sw() - g.pw());
                        int x1 = Math.min(w, c * g.sw() - g.pw() + g.kw());
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
