// im2col / col2im over a batch and the axis swap around the convolution GEMM; twin:
// org.hvd4j.tensor.cpu.CpuConv (one image; with n == 1 the layouts are the same).
#include "hvd4j_kernels.h"
#include "hvd4j_common.cuh"

// One thread per column-matrix entry (row-major over [C*kh*kw][n*OH*OW], so writes are coalesced).
extern "C" __global__ void hvd_im2col_f32(const float* x, float* cols, int n, int C, int H, int W, int kh, int kw,
                                          int sh, int sw, int ph, int pw, int OH, int OW) {
    const int ohw = OH * OW;
    const long long np = (long long)n * ohw;
    const long long total = (long long)C * kh * kw * np;
    for (long long k = hvd_first(); k < total; k += hvd_stride()) {
        const int idx = (int)k;  // < total, which fits in int (the column matrix is one tensor)
        const int row = idx / (int)np;
        const int col = idx - row * (int)np;
        const int b = col / ohw;
        const int pix = col - b * ohw;
        const int oh = pix / OW;
        const int ow = pix - oh * OW;
        const int kj = row % kw;
        const int ki = (row / kw) % kh;
        const int c = row / (kw * kh);
        const int h = oh * sh - ph + ki;
        const int w = ow * sw - pw + kj;
        float v = 0.0f;
        if (h >= 0 && h < H && w >= 0 && w < W) {
            v = x[((b * C + c) * H + h) * W + w];
        }
        cols[k] = v;
    }
}

// Gather: one thread per image element, adding the entries im2col copied from it in the twin's
// order (ki, then kj, ascending) from 0, then onto x when accumulating: bit-identical to the twin.
extern "C" __global__ void hvd_col2im_f32(const float* cols, float* x, int n, int C, int H, int W, int kh, int kw,
                                          int sh, int sw, int ph, int pw, int OH, int OW, int accumulate) {
    const int ohw = OH * OW;
    const long long np = (long long)n * ohw;
    const long long total = (long long)n * C * H * W;
    for (long long k = hvd_first(); k < total; k += hvd_stride()) {
        const int idx = (int)k;
        const int w = idx % W;
        const int r1 = idx / W;
        const int h = r1 % H;
        const int r2 = r1 / H;
        const int c = r2 % C;
        const int b = r2 / C;
        float s = 0.0f;
        for (int ki = 0; ki < kh; ki++) {
            const int th = h + ph - ki;
            if (th < 0) break;  // th only falls as ki grows
            if (th % sh != 0) continue;
            const int oh = th / sh;
            if (oh >= OH) continue;
            for (int kj = 0; kj < kw; kj++) {
                const int tw = w + pw - kj;
                if (tw < 0) break;
                if (tw % sw != 0) continue;
                const int ow = tw / sw;
                if (ow >= OW) continue;
                const int row = (c * kh + ki) * kw + kj;
                s += cols[row * (int)np + b * ohw + oh * OW + ow];
            }
        }
        x[k] = accumulate ? x[k] + s : s;
    }
}

// out[b][a][i] = in[a][b][i]; one thread per output element (coalesced writes).
extern "C" __global__ void hvd_swap01_f32(const float* in, float* out, int A, int B, int inner) {
    const long long total = (long long)A * B * inner;
    const long long ai = (long long)A * inner;
    for (long long k = hvd_first(); k < total; k += hvd_stride()) {
        const int idx = (int)k;
        const int b = idx / (int)ai;
        const int rest = idx - b * (int)ai;
        const int a = rest / inner;
        const int i = rest - a * inner;
        out[idx] = in[(a * B + b) * inner + i];
    }
}
