// Dropout masks from a counter-based generator; twin: org.hvd4j.tensor.cpu.CpuRandom (bit-identical:
// integer arithmetic modulo 2^64, a 24-bit integer scaled exactly, the same float comparisons).
#include "hvd4j_kernels.h"
#include "hvd4j_common.cuh"

// SplitMix64's finaliser, CpuRandom.mix (Java's >>> is the unsigned shift here)
__device__ __forceinline__ unsigned long long hvd_splitmix64(unsigned long long z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

extern "C" __global__ void hvd_dropout_mask_f32(float* mask, unsigned long long seed, float p, int n) {
    const float keep = p >= 1.0f ? 0.0f : 1.0f / (1.0f - p);
    for (long long k = hvd_first(); k < n; k += hvd_stride()) {
        const unsigned long long z = seed + ((unsigned long long)k + 1ULL) * 0x9E3779B97F4A7C15ULL;
        const float u = (float)(unsigned)(hvd_splitmix64(z) >> 40) * 0x1p-24f;
        mask[k] = u < p ? 0.0f : keep;
    }
}
