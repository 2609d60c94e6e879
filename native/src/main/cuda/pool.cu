// Max and average pooling over planes [planes][H][W]; twin: org.hvd4j.tensor.cpu.CpuPool, windows
// clipped to the image as org.hvd4j.tensor.PoolGeometry (rowStart = max(0, r*sh - ph), rowEnd =
// min(H, r*sh - ph + kh), the same for columns). idx holds h*W + w within the plane.
#include "hvd4j_kernels.h"
#include "hvd4j_common.cuh"

// Window position (0..3) of the first NaN among a, b, c and (else) d, as CpuPool.firstNaN.
__device__ __forceinline__ int hvd_first_nan(float a, float b, float c) {
    return a != a ? 0 : b != b ? 1 : c != c ? 2 : 3;
}

// One thread per output. The general rule is the twin's: the window's first element starts, a later
// one replaces it when strictly larger or when it is the first NaN (a NaN stays). For 2x2 windows of
// stride 2 without padding the twin takes a branch-free path that differs where -0.0 and +0.0 tie for
// the maximum (it returns +0.0 and the position of the first +0.0); that path is reproduced here.
extern "C" __global__ void hvd_maxpool2d_f32(const float* x, float* out, int* idx, int planes, int H, int W,
                                             int OH, int OW, int kh, int kw, int sh, int sw, int ph, int pw) {
    const int ohw = OH * OW;
    const long long total = (long long)planes * ohw;
    const bool twoByTwo = kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0;
    for (long long k = hvd_first(); k < total; k += hvd_stride()) {
        const int o = (int)k;
        const int p = o / ohw;
        const int rest = o - p * ohw;
        const int r = rest / OW;
        const int c = rest - r * OW;
        const float* in = x + (long long)p * H * W;
        float bestV;
        int best;
        if (twoByTwo) {
            const int q = 2 * r * W + 2 * c;
            const float a = in[q];
            const float b = in[q + 1];
            const float cc = in[q + W];
            const float d = in[q + W + 1];
            const float m = hvd_jmaxf(hvd_jmaxf(a, b), hvd_jmaxf(cc, d));
            int pos;
            if (m != m) {
                pos = hvd_first_nan(a, b, cc);
            } else {
                const unsigned mb = __float_as_uint(m);
                pos = __float_as_uint(a) == mb ? 0 : __float_as_uint(b) == mb ? 1 : __float_as_uint(cc) == mb ? 2 : 3;
            }
            bestV = m;
            best = q + (pos & 1) + (pos >> 1) * W;
        } else {
            const int y0 = max(0, r * sh - ph);
            const int y1 = min(H, r * sh - ph + kh);
            const int x0 = max(0, c * sw - pw);
            const int x1 = min(W, c * sw - pw + kw);
            best = y0 * W + x0;
            bestV = in[best];
            for (int iy = y0; iy < y1; iy++) {
                for (int ix = x0; ix < x1; ix++) {
                    const int q = iy * W + ix;
                    const float v = in[q];
                    const bool take = v > bestV || (v != v && bestV == bestV);
                    bestV = take ? v : bestV;
                    best = take ? q : best;
                }
            }
        }
        out[o] = bestV;
        idx[o] = best;
    }
}

// First and last output index (inclusive) whose window, start o*s - p and length kernel, holds
// position t; lo > hi when none.
__device__ __forceinline__ void hvd_windows_of(int t, int s, int p, int kernel, int outSize, int& lo, int& hi) {
    const int a = t + p - kernel;  // o*s > a
    lo = a < 0 ? 0 : a / s + 1;
    hi = min(outSize - 1, (t + p) / s);
}

// Gather: one thread per input element, adding gy over the windows that hold it and chose it, in
// row-major output order from 0 as the twin's scatter: bit-identical.
extern "C" __global__ void hvd_maxpool2d_backward_f32(const float* gy, const int* idx, float* gx, int planes, int H,
                                                      int W, int OH, int OW, int kh, int kw, int sh, int sw, int ph,
                                                      int pw) {
    const int hw = H * W;
    const int ohw = OH * OW;
    const long long total = (long long)planes * hw;
    for (long long k = hvd_first(); k < total; k += hvd_stride()) {
        const int e = (int)k;
        const int p = e / hw;
        const int pos = e - p * hw;
        const int h = pos / W;
        const int w = pos - h * W;
        int r0, r1, c0, c1;
        hvd_windows_of(h, sh, ph, kh, OH, r0, r1);
        hvd_windows_of(w, sw, pw, kw, OW, c0, c1);
        const long long base = (long long)p * ohw;
        float s = 0.0f;
        for (int r = r0; r <= r1; r++) {
            for (int c = c0; c <= c1; c++) {
                const long long o = base + r * OW + c;
                if (idx[o] == pos) s += gy[o];
            }
        }
        gx[e] = s;
    }
}

// Divisor kh*kw whatever the clipping (padding counts), as the twin: s * (1f / (kh*kw)).
extern "C" __global__ void hvd_avgpool2d_f32(const float* x, float* out, int planes, int H, int W, int OH, int OW,
                                             int kh, int kw, int sh, int sw, int ph, int pw) {
    const int ohw = OH * OW;
    const long long total = (long long)planes * ohw;
    const float inv = 1.0f / (float)(kh * kw);
    for (long long k = hvd_first(); k < total; k += hvd_stride()) {
        const int o = (int)k;
        const int p = o / ohw;
        const int rest = o - p * ohw;
        const int r = rest / OW;
        const int c = rest - r * OW;
        const float* in = x + (long long)p * H * W;
        const int y0 = max(0, r * sh - ph);
        const int y1 = min(H, r * sh - ph + kh);
        const int x0 = max(0, c * sw - pw);
        const int x1 = min(W, c * sw - pw + kw);
        float s = 0.0f;
        for (int iy = y0; iy < y1; iy++) {
            for (int ix = x0; ix < x1; ix++) s += in[iy * W + ix];
        }
        out[o] = s * inv;
    }
}

// Gather: gy[window] * inv summed over the windows holding the element, in row-major output order
// from 0, as the twin's scatter: bit-identical.
extern "C" __global__ void hvd_avgpool2d_backward_f32(const float* gy, float* gx, int planes, int H, int W, int OH,
                                                      int OW, int kh, int kw, int sh, int sw, int ph, int pw) {
    const int hw = H * W;
    const int ohw = OH * OW;
    const long long total = (long long)planes * hw;
    const float inv = 1.0f / (float)(kh * kw);
    for (long long k = hvd_first(); k < total; k += hvd_stride()) {
        const int e = (int)k;
        const int p = e / hw;
        const int pos = e - p * hw;
        const int h = pos / W;
        const int w = pos - h * W;
        int r0, r1, c0, c1;
        hvd_windows_of(h, sh, ph, kh, OH, r0, r1);
        hvd_windows_of(w, sw, pw, kw, OW, c0, c1);
        const long long base = (long long)p * ohw;
        float s = 0.0f;
        for (int r = r0; r <= r1; r++) {
            for (int c = c0; c <= c1; c++) s += gy[base + r * OW + c] * inv;
        }
        gx[e] = s;
    }
}
