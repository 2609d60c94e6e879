// Tensor fusion on the device: packing tensors into one buffer (scaled) and back. No CPU twin in
// tensor/; the host emulation copies the same ranges. Tensors t = blockIdx.y, blockIdx.y + gridDim.y, ...
// (gridDim.y == count in CudaBackend's launch), elements grid-stride in x; offsets has count + 1 entries.
#include "hvd4j_kernels.h"
#include "hvd4j_common.cuh"

extern "C" __global__ void hvd_pack_f32(const unsigned long long* srcs, const long long* offsets, int count,
                                        float* dst, float scale) {
    for (int t = blockIdx.y; t < count; t += gridDim.y) {
        const float* src = reinterpret_cast<const float*>(srcs[t]);
        const long long off = offsets[t];
        const long long len = offsets[t + 1] - off;
        float* d = dst + off;
        for (long long k = hvd_first(); k < len; k += hvd_stride()) d[k] = src[k] * scale;
    }
}

extern "C" __global__ void hvd_unpack_f32(const float* src, const unsigned long long* dsts, const long long* offsets,
                                          int count, float scale) {
    for (int t = blockIdx.y; t < count; t += gridDim.y) {
        float* dst = reinterpret_cast<float*>(dsts[t]);
        const long long off = offsets[t];
        const long long len = offsets[t + 1] - off;
        const float* s = src + off;
        for (long long k = hvd_first(); k < len; k += hvd_stride()) dst[k] = s[k] * scale;
    }
}
