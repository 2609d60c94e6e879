// Row-wise softmax, log-softmax and fused cross-entropy; twin: org.hvd4j.tensor.cpu.CpuSoftmax.
// One block per row (block-stride over rows if gridDim.x < rows). Maxima are exact in any order;
// the double sums are added in the block's fixed tree instead of the twin's column order, so a
// result can differ from the twin's in the last bit of a float, rarely, and never between runs.
#include "hvd4j_kernels.h"
#include "hvd4j_common.cuh"

#include <climits>

// max over the row (Java's Math.max: a NaN anywhere gives NaN), -Inf for an empty row
__device__ __forceinline__ float hvd_row_max(const float* x, int cols, float* sh) {
    float m = -INFINITY;
    for (unsigned c = threadIdx.x; c < (unsigned)cols; c += blockDim.x) m = hvd_jmaxf(m, x[c]);
    return hvd_block_reduce(m, sh, HvdMaxfOp());
}

// sum over the row of exp(x - max), x - max rounded to float first as in the twin
__device__ __forceinline__ double hvd_row_sum_exp(const float* x, int cols, float max, double* sh) {
    double s = 0.0;
    for (unsigned c = threadIdx.x; c < (unsigned)cols; c += blockDim.x) s += exp((double)(x[c] - max));
    return hvd_block_reduce(s, sh, HvdSumOp());
}

extern "C" __global__ void __launch_bounds__(HVD4J_BLOCK)
hvd_softmax_f32(const float* x, float* out, int rows, int cols, int log) {
    __shared__ float shf[HVD4J_BLOCK];
    __shared__ double shd[HVD4J_BLOCK];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* xr = x + (long long)r * cols;
        float* yr = out + (long long)r * cols;
        const float max = hvd_row_max(xr, cols, shf);
        const double sum = hvd_row_sum_exp(xr, cols, max, shd);
        if (log) {
            // (x - max) - log(sum), as the twin (not x - (max + log(sum)))
            const double logSum = ::log(sum);
            for (unsigned c = threadIdx.x; c < (unsigned)cols; c += blockDim.x) yr[c] = (float)((double)(xr[c] - max) - logSum);
        } else {
            const double inv = 1.0 / sum;
            for (unsigned c = threadIdx.x; c < (unsigned)cols; c += blockDim.x) yr[c] = (float)(exp((double)(xr[c] - max)) * inv);
        }
    }
}

extern "C" __global__ void __launch_bounds__(HVD4J_BLOCK)
hvd_softmax_backward_f32(const float* y, const float* gy, float* gx, int rows, int cols, int log) {
    __shared__ double sh[HVD4J_BLOCK];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const long long base = (long long)r * cols;
        double dot = 0.0;
        for (unsigned c = threadIdx.x; c < (unsigned)cols; c += blockDim.x) {
            dot += log ? (double)gy[base + c] : (double)gy[base + c] * (double)y[base + c];
        }
        dot = hvd_block_reduce(dot, sh, HvdSumOp());
        for (unsigned c = threadIdx.x; c < (unsigned)cols; c += blockDim.x) {
            const float yv = y[base + c];
            const float g = gy[base + c];
            gx[base + c] = log ? (float)((double)g - exp((double)yv) * dot) : (float)((double)yv * ((double)g - dot));
        }
    }
}

// The twin throws on a label outside [0, cols); here the row's loss is NaN, its grad row is left
// alone and the smallest such row lands in *badRow (nullable) for the caller to report.
extern "C" __global__ void __launch_bounds__(HVD4J_BLOCK)
hvd_cross_entropy_f32(const float* logits, const int* labels, float* loss, float* grad, int rows, int cols,
                      float smoothing, float gradScale, int* badRow) {
    __shared__ float shf[HVD4J_BLOCK];
    __shared__ double shd[HVD4J_BLOCK];
    const float offTarget = smoothing / (float)cols;
    const float onTarget = 1.0f - smoothing + offTarget;
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const int label = labels[r];  // the same for the whole block: the branch below is uniform
        if (label < 0 || label >= cols) {
            if (threadIdx.x == 0) {
                loss[r] = hvd_nanf();
                if (badRow != nullptr) atomicMin(badRow, r);
            }
            continue;
        }
        const long long base = (long long)r * cols;
        const float* xr = logits + base;
        const float max = hvd_row_max(xr, cols, shf);
        const double sum = hvd_row_sum_exp(xr, cols, max, shd);
        const double lse = (double)max + ::log(sum);
        double l = 0.0;
        for (unsigned c = threadIdx.x; c < (unsigned)cols; c += blockDim.x) {
            const double logp = (double)xr[c] - lse;
            const float q = (int)c == label ? onTarget : offTarget;
            l += (double)q * logp;
            if (grad != nullptr) {
                grad[base + c] = (float)((exp(logp) - (double)q) * (double)gradScale);
            }
        }
        l = hvd_block_reduce(l, shd, HvdSumOp());
        if (threadIdx.x == 0) {
            loss[r] = (float)(0.0 - l);  // the twin's l -= q*logp from 0, which is 0 - sum
        }
    }
}
