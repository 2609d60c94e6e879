// float <-> binary16 / bfloat16, round to nearest even, NaN stays NaN (made quiet, sign and top payload
// bits kept); twin: org.hvd4j.tensor.HalfFloats, ported on bit patterns: bit-identical.
#include "hvd4j_kernels.h"
#include "hvd4j_common.cuh"

__device__ __forceinline__ unsigned short hvd_float_to_half(float f) {
    const unsigned bits = __float_as_uint(f);
    const unsigned abs = bits & 0x7fffffffu;
    unsigned h;
    if (abs >= 0x477ff000u) {  // 65520 and up: Inf; NaN: quiet, top payload bits kept
        h = abs > 0x7f800000u ? 0x7e00u | ((abs >> 13) & 0x3ffu) : 0x7c00u;
    } else if (abs >= 0x38800000u) {  // normal binary16: drop 13 fraction bits, ties to even
        h = (abs - (112u << 23) + 0xfffu + ((abs >> 13) & 1u)) >> 13;
    } else {  // subnormal or zero: the FPU rounds |f| to units of 2^-24 in 0.5 + |f|
        h = __float_as_uint(__fadd_rn(__uint_as_float(abs), 0.5f)) - 0x3f000000u;
    }
    return (unsigned short)(((bits >> 16) & 0x8000u) | h);
}

__device__ __forceinline__ float hvd_half_to_float(unsigned short hv) {
    const unsigned h = hv;
    const unsigned sign = (h & 0x8000u) << 16;
    const unsigned exp = (h >> 10) & 0x1fu;
    const unsigned frac = h & 0x3ffu;
    if (exp == 0x1fu) {
        return __uint_as_float(sign | 0x7f800000u | (frac == 0 ? 0u : 0x400000u | (frac << 13)));
    }
    if (exp == 0) {
        const float v = __fmul_rn((float)frac, 0x1p-24f);  // zero or subnormal: exact in float
        return sign == 0 ? v : -v;
    }
    return __uint_as_float(sign | ((exp << 23) + (112u << 23)) | (frac << 13));
}

__device__ __forceinline__ unsigned short hvd_float_to_bf16(float f) {
    const unsigned bits = __float_as_uint(f);
    const unsigned rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16;
    const unsigned nan = (bits >> 16) | 0x0040u;
    return (unsigned short)((bits & 0x7fffffffu) > 0x7f800000u ? nan : rounded);
}

__device__ __forceinline__ float hvd_bf16_to_float(unsigned short b) {
    unsigned bits = (unsigned)b << 16;
    if ((bits & 0x7fffffffu) > 0x7f800000u) bits |= 0x400000u;
    return __uint_as_float(bits);
}

extern "C" __global__ void hvd_f32_to_bf16(const float* in, unsigned short* out, int n) {
    for (long long k = hvd_first(); k < n; k += hvd_stride()) out[k] = hvd_float_to_bf16(in[k]);
}

extern "C" __global__ void hvd_bf16_to_f32(const unsigned short* in, float* out, int n) {
    for (long long k = hvd_first(); k < n; k += hvd_stride()) out[k] = hvd_bf16_to_float(in[k]);
}

extern "C" __global__ void hvd_f32_to_f16(const float* in, unsigned short* out, int n) {
    for (long long k = hvd_first(); k < n; k += hvd_stride()) out[k] = hvd_float_to_half(in[k]);
}

extern "C" __global__ void hvd_f16_to_f32(const unsigned short* in, float* out, int n) {
    for (long long k = hvd_first(); k < n; k += hvd_stride()) out[k] = hvd_half_to_float(in[k]);
}
