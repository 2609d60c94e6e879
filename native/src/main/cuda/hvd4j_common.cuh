// Device helpers shared by the hvd4j kernel sources (no kernels here; not part of the launch ABI).
//
// Numerics: the kernels reproduce the CPU twins' arithmetic operation by operation, in the same
// precision and order wherever the launch shape allows it (see each kernel). The PTX is compiled
// with -fmad=false (scripts/build-ptx.sh) because Java never fuses a*b+c into one rounding; with
// nvcc's default contraction the elementwise kernels would differ from the twins in the last bit.
#pragma once

#include "hvd4j_kernels.h"

// ---- 1-D grid-stride bounds ----------------------------------------------------------------------
// The loop counter is 64-bit so that i + stride cannot overflow for n close to 2^31-1; inside the
// loop the index is narrowed to int (it is < n).
__device__ __forceinline__ long long hvd_first() {
    return (long long)blockIdx.x * blockDim.x + threadIdx.x;
}

__device__ __forceinline__ long long hvd_stride() {
    return (long long)gridDim.x * blockDim.x;
}

// ---- Java's Math.max: NaN wins, +0.0 is larger than -0.0 (fmaxf differs in both) --------------------
__device__ __forceinline__ float hvd_jmaxf(float a, float b) {
    if (a != a) return a;
    if (a == 0.0f && b == 0.0f && __float_as_uint(a) == 0x80000000u) return b;
    return a >= b ? a : b;
}

__device__ __forceinline__ double hvd_jmax(double a, double b) {
    if (a != a) return a;
    if (a == 0.0 && b == 0.0 && __double_as_longlong(a) == (long long)0x8000000000000000ULL) return b;
    return a >= b ? a : b;
}

// Java's Math.min(a, b) (NaN wins, -0.0 is smaller than +0.0)
__device__ __forceinline__ float hvd_jminf(float a, float b) {
    if (a != a) return a;
    if (a == 0.0f && b == 0.0f && __float_as_uint(b) == 0x80000000u) return b;
    return a <= b ? a : b;
}

// ---- fixed-order block reductions ------------------------------------------------------------------
// Every thread passes its value; all threads get the reduction of the block's values. The tree is a
// fixed function of blockDim.x (pairs t and t+s for s = 128, 64, ..., 1), so a launch with the same
// block size gives the same bits every run. sh must be __shared__ with HVD4J_BLOCK elements, and the
// kernel must be launched with at most HVD4J_BLOCK threads (the per-row kernels say so with
// __launch_bounds__). Must be reached by all threads of the block.
struct HvdSumOp {
    template <typename T>
    __device__ __forceinline__ T operator()(T a, T b) const { return a + b; }
};

struct HvdMaxfOp {
    __device__ __forceinline__ float operator()(float a, float b) const { return hvd_jmaxf(a, b); }
};

template <typename T, typename Op>
__device__ __forceinline__ T hvd_block_reduce(T v, T* sh, Op op) {
    const int t = threadIdx.x;
    const int nt = blockDim.x;
    sh[t] = v;
    __syncthreads();
    for (int s = HVD4J_BLOCK / 2; s > 0; s >>= 1) {
        if (t < s && t + s < nt) sh[t] = op(sh[t], sh[t + s]);
        __syncthreads();
    }
    T r = sh[0];
    __syncthreads();  // sh may be reused right after
    return r;
}

// Two sums in one tree (same order as two calls of hvd_block_reduce).
__device__ __forceinline__ void hvd_block_sum2(double& a, double& b, double* sa, double* sb) {
    const int t = threadIdx.x;
    const int nt = blockDim.x;
    sa[t] = a;
    sb[t] = b;
    __syncthreads();
    for (int s = HVD4J_BLOCK / 2; s > 0; s >>= 1) {
        if (t < s && t + s < nt) {
            sa[t] += sa[t + s];
            sb[t] += sb[t + s];
        }
        __syncthreads();
    }
    a = sa[0];
    b = sb[0];
    __syncthreads();
}

// NaN produced by the kernels where the CPU twin would throw (bad enum code, bad index)
__device__ __forceinline__ float hvd_nanf() { return __int_as_float(0x7fc00000); }
