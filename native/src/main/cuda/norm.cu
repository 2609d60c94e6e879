// Batch normalisation over x[n][c][inner]; twin: org.hvd4j.tensor.cpu.CpuNorm. The per-channel sums
// are in double like the twin's, added in the block's fixed tree rather than in element order, so the
// float results agree with the twin's to the last bit nearly always (and are the same every run).
#include "hvd4j_kernels.h"
#include "hvd4j_common.cuh"

extern "C" __global__ void __launch_bounds__(HVD4J_BLOCK)
hvd_bn_stats_f32(const float* x, float* mean, float* var, int n, int c, int inner) {
    __shared__ double sa[HVD4J_BLOCK];
    __shared__ double sb[HVD4J_BLOCK];
    const unsigned m = (unsigned)n * (unsigned)inner;  // <= numel(x) < 2^31
    const unsigned in = (unsigned)inner;
    const double count = (double)n * inner;
    for (int ch = blockIdx.x; ch < c; ch += gridDim.x) {
        double s = 0.0;
        double ss = 0.0;
        for (unsigned k = threadIdx.x; k < m; k += blockDim.x) {
            const unsigned b = k / in;
            const unsigned i = k - b * in;
            const double v = (double)x[(b * (unsigned)c + (unsigned)ch) * in + i];
            s += v;
            ss += v * v;
        }
        hvd_block_sum2(s, ss, sa, sb);
        if (threadIdx.x == 0) {
            const double mu = s / count;
            mean[ch] = (float)mu;
            var[ch] = (float)hvd_jmax(0.0, ss / count - mu * mu);
        }
    }
}

extern "C" __global__ void hvd_inverse_std_f32(const float* var, float eps, float* out, int n) {
    for (long long k = hvd_first(); k < n; k += hvd_stride()) {
        out[k] = (float)(1.0 / sqrt((double)var[k] + (double)eps));
    }
}

extern "C" __global__ void hvd_bn_forward_f32(const float* x, const float* mean, const float* invStd,
                                              const float* gamma, const float* beta, float* out, int n, int c,
                                              int inner) {
    const long long total = (long long)n * c * inner;
    for (long long k = hvd_first(); k < total; k += hvd_stride()) {
        const int e = (int)k;
        const int ch = (e / inner) % c;
        const float scale = invStd[ch] * gamma[ch];
        const float shift = beta[ch] - mean[ch] * scale;
        out[e] = x[e] * scale + shift;
    }
}

extern "C" __global__ void __launch_bounds__(HVD4J_BLOCK)
hvd_bn_backward_f32(const float* gy, const float* x, const float* mean, const float* invStd, const float* gamma,
                    float* gradIn, float* gradGamma, float* gradBeta, int n, int c, int inner) {
    __shared__ double sa[HVD4J_BLOCK];
    __shared__ double sb[HVD4J_BLOCK];
    const unsigned m = (unsigned)n * (unsigned)inner;
    const unsigned in = (unsigned)inner;
    const double count = (double)n * inner;
    for (int ch = blockIdx.x; ch < c; ch += gridDim.x) {
        const double mu = (double)mean[ch];
        const double inv = (double)invStd[ch];
        double sumG = 0.0;
        double sumGx = 0.0;
        for (unsigned k = threadIdx.x; k < m; k += blockDim.x) {
            const unsigned b = k / in;
            const unsigned e = (b * (unsigned)c + (unsigned)ch) * in + (k - b * in);
            const double g = (double)gy[e];
            sumG += g;
            sumGx += g * ((double)x[e] - mu) * inv;
        }
        hvd_block_sum2(sumG, sumGx, sa, sb);
        if (threadIdx.x == 0) {
            if (gradGamma != nullptr) gradGamma[ch] = (float)sumGx;
            if (gradBeta != nullptr) gradBeta[ch] = (float)sumG;
        }
        if (gradIn == nullptr) continue;
        const double kk = (double)gamma[ch] * inv / count;
        for (unsigned k = threadIdx.x; k < m; k += blockDim.x) {
            const unsigned b = k / in;
            const unsigned e = (b * (unsigned)c + (unsigned)ch) * in + (k - b * in);
            const double g = (double)gy[e];
            const double xhat = ((double)x[e] - mu) * inv;
            gradIn[e] = (float)(kk * (count * g - sumG - xhat * sumGx));
        }
    }
}
