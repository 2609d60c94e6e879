// Elementwise kernels; twin: org.hvd4j.tensor.cpu.CpuElementwise (and CpuReduce.sumBias).
#include "hvd4j_kernels.h"
#include "hvd4j_common.cuh"

extern "C" __global__ void hvd_fill_f32(float* out, float value, int n) {
    for (long long k = hvd_first(); k < n; k += hvd_stride()) {
        out[k] = value;
    }
}

// op: BinaryOp ordinal (ADD, SUB, MUL, DIV); an unknown code writes NaN (the twin throws).
extern "C" __global__ void hvd_binary_f32(int op, const float* a, const float* b, float* out, int n) {
    switch (op) {
        case 0:
            for (long long k = hvd_first(); k < n; k += hvd_stride()) out[k] = a[k] + b[k];
            break;
        case 1:
            for (long long k = hvd_first(); k < n; k += hvd_stride()) out[k] = a[k] - b[k];
            break;
        case 2:
            for (long long k = hvd_first(); k < n; k += hvd_stride()) out[k] = a[k] * b[k];
            break;
        case 3:
            for (long long k = hvd_first(); k < n; k += hvd_stride()) out[k] = a[k] / b[k];
            break;
        default:
            for (long long k = hvd_first(); k < n; k += hvd_stride()) out[k] = hvd_nanf();
            break;
    }
}

// beta == 0 does not read y (fresh device memory may hold NaN); the twin computes alpha*x + 0*y,
// which differs only where y is NaN or infinite (and in the sign of a zero alpha*x).
extern "C" __global__ void hvd_axpby_f32(float alpha, const float* x, float beta, float* y, int n) {
    if (beta == 0.0f) {
        for (long long k = hvd_first(); k < n; k += hvd_stride()) y[k] = alpha * x[k];
    } else {
        for (long long k = hvd_first(); k < n; k += hvd_stride()) y[k] = alpha * x[k] + beta * y[k];
    }
}

extern "C" __global__ void hvd_scale_f32(const float* x, float s, float* out, int n) {
    for (long long k = hvd_first(); k < n; k += hvd_stride()) {
        out[k] = x[k] * s;
    }
}

extern "C" __global__ void hvd_add_bias_f32(const float* x, const float* bias, float* out, int outer, int channels,
                                            int inner) {
    const long long n = (long long)outer * channels * inner;
    for (long long k = hvd_first(); k < n; k += hvd_stride()) {
        const int i = (int)k;
        const int c = (i / inner) % channels;
        out[i] = x[i] + bias[c];
    }
}

// One block per channel: each thread sums its share of the channel's outer*inner values in float,
// in order, then the block adds the partial sums in a fixed tree. The twin adds row by row (four
// partial sums per row for inner > 1), so the two agree to rounding (about 1e-6 relative), not in
// every bit.
extern "C" __global__ void __launch_bounds__(HVD4J_BLOCK)
hvd_sum_bias_f32(const float* g, float* out, int outer, int channels, int inner, int accumulate) {
    __shared__ float sh[HVD4J_BLOCK];
    const unsigned m = (unsigned)outer * (unsigned)inner;  // <= numel(g) < 2^31
    const unsigned in = (unsigned)inner;
    for (int c = blockIdx.x; c < channels; c += gridDim.x) {
        float acc = 0.0f;
        // unsigned: k + blockDim.x cannot overflow for m < 2^31
        for (unsigned k = threadIdx.x; k < m; k += blockDim.x) {
            const unsigned o = k / in;
            const unsigned i = k - o * in;
            acc += g[(o * (unsigned)channels + (unsigned)c) * in + i];
        }
        const float s = hvd_block_reduce(acc, sh, HvdSumOp());
        if (threadIdx.x == 0) {
            out[c] = accumulate ? out[c] + s : s;
        }
    }
}
