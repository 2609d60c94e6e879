package org.hvd4j.tensor.cpu;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import org.hvd4j.tensor.PoolGeometry;
import org.hvd4j.tensor.Tensor;

/** Max and average pooling over planes {@code [planes, H, W]}. */
final class CpuPool {
    private CpuPool() {
    }

    static void maxPool(Tensor xt, int planes, PoolGeometry g, Tensor out, Tensor idxt) {
        FloatBuffer x = CpuBackend.f(xt);
        FloatBuffer y = CpuBackend.f(out);
        IntBuffer idx = CpuBackend.i(idxt);
        int xo = xt.offset();
        int yo = out.offset();
        int io = idxt.offset();
        int h = g.height();
        int w = g.width();
        int oh = g.outHeight();
        int ow = g.outWidth();
        Parallel.forRange(planes, 4, (from, to) -> {
            for (int p = from; p < to; p++) {
                int in = xo + p * h * w;
                int o = p * oh * ow;
                for (int r = 0; r < oh; r++) {
                    for (int c = 0; c < ow; c++) {
                        int best = -1;
                        float bestV = Float.NEGATIVE_INFINITY;
                        for (int i = 0; i < g.kh(); i++) {
                            int iy = r * g.sh() - g.ph() + i;
                            if (iy < 0 || iy >= h) {
                                continue;
                            }
                            for (int j = 0; j < g.kw(); j++) {
                                int ix = c * g.sw() - g.pw() + j;
                                if (ix < 0 || ix >= w) {
                                    continue;
                                }
                                float v = x.get(in + iy * w + ix);
                                // NaN propagates, as in PyTorch
                                if (v > bestV || best < 0 || Float.isNaN(v)) {
                                    bestV = v;
                                    best = iy * w + ix;
                                    if (Float.isNaN(v)) {
                                        i = g.kh();
                                        break;
                                    }
                                }
                            }
                        }
                        y.put(yo + o + r * ow + c, bestV);
                        idx.put(io + o + r * ow + c, best);
                    }
                }
            }
        });
    }

    static void maxPoolBackward(Tensor got, Tensor idxt, int planes, PoolGeometry g, Tensor git) {
        FloatBuffer go = CpuBackend.f(got);
        IntBuffer idx = CpuBackend.i(idxt);
        FloatBuffer gi = CpuBackend.f(git);
        int goo = got.offset();
        int io = idxt.offset();
        int gio = git.offset();
        int hw = g.height() * g.width();
        int ohw = g.outHeight() * g.outWidth();
        Parallel.forRange(planes, 4, (from, to) -> {
            for (int p = from; p < to; p++) {
                int base = gio + p * hw;
                for (int i = 0; i < hw; i++) {
                    gi.put(base + i, 0f);
                }
                for (int o = 0; o < ohw; o++) {
                    int k = p * ohw + o;
                    int at = base + idx.get(io + k);
                    gi.put(at, gi.get(at) + go.get(goo + k));
                }
            }
        });
    }

    static void avgPool(Tensor xt, int planes, PoolGeometry g, Tensor out) {
        FloatBuffer x = CpuBackend.f(xt);
        FloatBuffer y = CpuBackend.f(out);
        int xo = xt.offset();
        int yo = out.offset();
        int h = g.height();
        int w = g.width();
        int oh = g.outHeight();
        int ow = g.outWidth();
        float inv = 1f / (g.kh() * g.kw());
        Parallel.forRange(planes, 4, (from, to) -> {
            for (int p = from; p < to; p++) {
                int in = xo + p * h * w;
                for (int r = 0; r < oh; r++) {
                    for (int c = 0; c < ow; c++) {
                        float s = 0f;
                        for (int i = 0; i < g.kh(); i++) {
                            int iy = r * g.sh() - g.ph() + i;
                            if (iy < 0 || iy >= h) {
                                continue;
                            }
                            for (int j = 0; j < g.kw(); j++) {
                                int ix = c * g.sw() - g.pw() + j;
                                if (ix >= 0 && ix < w) {
                                    s += x.get(in + iy * w + ix);
                                }
                            }
                        }
                        y.put(yo + p * oh * ow + r * ow + c, s * inv);
                    }
                }
            }
        });
    }

    static void avgPoolBackward(Tensor got, int planes, PoolGeometry g, Tensor git) {
        FloatBuffer go = CpuBackend.f(got);
        FloatBuffer gi = CpuBackend.f(git);
        int goo = got.offset();
        int gio = git.offset();
        int h = g.height();
        int w = g.width();
        int oh = g.outHeight();
        int ow = g.outWidth();
        float inv = 1f / (g.kh() * g.kw());
        Parallel.forRange(planes, 4, (from, to) -> {
            for (int p = from; p < to; p++) {
                int base = gio + p * h * w;
                for (int i = 0; i < h * w; i++) {
                    gi.put(base + i, 0f);
                }
                for (int r = 0; r < oh; r++) {
                    for (int c = 0; c < ow; c++) {
                        float gv = go.get(goo + p * oh * ow + r * ow + c) * inv;
                        for (int i = 0; i < g.kh(); i++) {
                            int iy = r * g.sh() - g.ph() + i;
                            if (iy < 0 || iy >= h) {
                                continue;
                            }
                            for (int j = 0; j < g.kw(); j++) {
                                int ix = c * g.sw() - g.pw() + j;
                                if (ix >= 0 && ix < w) {
                                    gi.put(base + iy * w + ix, gi.get(base + iy * w + ix) + gv);
                                }
                            }
                        }
                    }
                }
            }
        });
    }
}
