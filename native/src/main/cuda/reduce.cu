// Reductions along one axis of [outer, n, inner]; twin: org.hvd4j.tensor.cpu.CpuReduce.
#include "hvd4j_kernels.h"
#include "hvd4j_common.cuh"

// One thread per output, j = 0..n-1 in order, accumulated in double as the twin does (SUM, MEAN;
// MAX by Java's Math.max in double, so a NaN wins), then rounded to float once: bit-identical.
// op: ReduceOp ordinal (SUM, MEAN, MAX); an unknown code writes NaN (the twin throws).
extern "C" __global__ void hvd_reduce_f32(int op, const float* x, float* out, int outer, int n, int inner) {
    const long long total = (long long)outer * inner;
    for (long long k = hvd_first(); k < total; k += hvd_stride()) {
        const int o = (int)k / inner;
        const int i = (int)k - o * inner;
        const float* p = x + (long long)o * n * inner + i;
        double acc;
        if (op == 2) {
            acc = -INFINITY;
            for (int j = 0; j < n; j++) acc = hvd_jmax(acc, (double)p[(long long)j * inner]);
        } else if (op == 0 || op == 1) {
            acc = 0.0;
            for (int j = 0; j < n; j++) acc += (double)p[(long long)j * inner];
            if (op == 1) acc /= (double)n;
        } else {
            acc = (double)hvd_nanf();
        }
        out[k] = (float)acc;
    }
}

// As the twin: j = 0 is taken first whatever it holds, then only a strictly larger value replaces
// it (so a NaN is never taken after j = 0, and a NaN at j = 0 stays).
extern "C" __global__ void hvd_argmax_f32(const float* x, int* out, int outer, int n, int inner) {
    const long long total = (long long)outer * inner;
    for (long long k = hvd_first(); k < total; k += hvd_stride()) {
        const int o = (int)k / inner;
        const int i = (int)k - o * inner;
        const float* p = x + (long long)o * n * inner + i;
        int best = 0;
        float bestV = -INFINITY;
        for (int j = 0; j < n; j++) {
            const float v = p[(long long)j * inner];
            if (v > bestV || j == 0) {
                bestV = v;
                best = j;
            }
        }
        out[k] = best;
    }
}

// Per-block partial sums of squares in double; the host adds partial[0..gridDim.x) in order. Each
// thread adds its grid-stride share in order, the block adds the threads' sums in a fixed tree.
extern "C" __global__ void __launch_bounds__(HVD4J_BLOCK) hvd_sum_squares_f32(const float* x, double* partial, int n) {
    __shared__ double sh[HVD4J_BLOCK];
    double s = 0.0;
    for (long long k = hvd_first(); k < n; k += hvd_stride()) {
        const double v = (double)x[k];
        s += v * v;
    }
    s = hvd_block_reduce(s, sh, HvdSumOp());
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
}
