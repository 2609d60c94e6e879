// Row gather and scatter-add (embeddings); twin: org.hvd4j.tensor.cpu.CpuIndex. The twin throws on an
// index outside the table; the kernels do not know the table's row count (not a parameter), so the
// caller must check indices: here a negative index gives a NaN row (gather) or is skipped (scatter).
#include "hvd4j_kernels.h"
#include "hvd4j_common.cuh"

extern "C" __global__ void hvd_gather_rows_f32(const float* table, const int* idx, float* out, int rows, int dim) {
    const long long total = (long long)rows * dim;
    for (long long k = hvd_first(); k < total; k += hvd_stride()) {
        const int e = (int)k;
        const int r = e / dim;
        const int t = idx[r];
        out[e] = t < 0 ? hvd_nanf() : table[(long long)t * dim + (e - r * dim)];
    }
}

// atomicAdd: repeated indices add up in an unspecified order, so a row hit more than once can differ
// from the twin's (row order) sum in the last bits, and from run to run.
extern "C" __global__ void hvd_scatter_add_rows_f32(const float* grad, const int* idx, float* tableGrad, int rows,
                                                    int dim) {
    const long long total = (long long)rows * dim;
    for (long long k = hvd_first(); k < total; k += hvd_stride()) {
        const int e = (int)k;
        const int r = e / dim;
        const int t = idx[r];
        if (t >= 0) atomicAdd(&tableGrad[(long long)t * dim + (e - r * dim)], grad[e]);
    }
}
