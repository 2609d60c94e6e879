// Pointwise activations and their derivatives; twin: org.hvd4j.tensor.cpu.CpuActivation (GELU's erf
// is the twin's own, org.hvd4j.tensor.cpu.Erf, ported here operation by operation).
#include "hvd4j_kernels.h"
#include "hvd4j_common.cuh"

// 1/Math.sqrt(2.0) and 1/Math.sqrt(2.0*Math.PI) exactly as the twin computes them in double
#define HVD_INV_SQRT2 0x1.6a09e667f3bccp-1
#define HVD_INV_SQRT_2PI 0x1.9884533d43651p-2

// erfc for x > 0.46875 (W. J. Cody's rational approximations, as Erf.erfc)
__device__ __forceinline__ double hvd_erfc_tail(double x) {
    if (x < 4.0) {
        double top = (((((((2.15311535474403846e-8 * x + 0.564188496988670089) * x + 8.88314979438837594) * x
                + 66.1191906371416295) * x + 298.635138197400131) * x + 881.952221241769090) * x
                + 1712.04761263407058) * x + 2051.07837782607147) * x + 1230.33935479799725;
        double bot = (((((((x + 15.7449261107098347) * x + 117.693950891312499) * x
                + 537.181101862009858) * x + 1621.38957456669019) * x + 3290.79923573345963) * x
                + 4362.61909014324716) * x + 3439.36767414372164) * x + 1230.33935480374942;
        return exp(-x * x) * top / bot;
    }
    if (x > 27.0) {
        return 0.0;
    }
    double z = 1.0 / (x * x);
    double top = ((((0.0163153871373020978 * z + 0.305326634961232344) * z + 0.360344899949804439) * z
            + 0.125781726111229246) * z + 0.0160837851487422766) * z + 6.58749161529837803e-4;
    double bot = ((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 0.527905102951428412) * z
            + 0.0605183413124413191) * z + 0.00233520497626869185;
    double r = (0.564189583547756287 - z * top / bot) / x;
    return exp(-x * x) * r;
}

__device__ __forceinline__ double hvd_erf(double x) {
    double ax = fabs(x);
    if (ax <= 0.46875) {
        double t = x * x;
        double top = (((0.185777706184603153 * t + 3.16112374387056560) * t + 113.864154151050156) * t
                + 377.485237685302021) * t + 3209.37758913846947;
        double bot = (((t + 23.6012909523441209) * t + 244.024637934444173) * t
                + 1282.61652607737228) * t + 2844.23683343917062;
        return x * top / bot;
    }
    double r = hvd_erfc_tail(ax);
    return x < 0 ? r - 1.0 : 1.0 - r;
}

// f(v) as CpuActivation.forward: ReLU is Math.max(v, 0f) (NaN stays NaN, -0 gives +0)
__device__ __forceinline__ float hvd_act(int fn, float v) {
    switch (fn) {
        case 0: return hvd_jmaxf(v, 0.0f);
        case 1: return (float)(0.5 * (double)v * (1.0 + hvd_erf((double)v * HVD_INV_SQRT2)));
        case 2: return (float)tanh((double)v);
        case 3: return (float)(1.0 / (1.0 + exp((double)(-v))));
        default: return hvd_nanf();
    }
}

// fn: Activation ordinal (RELU, GELU, TANH, SIGMOID); an unknown code writes NaN (the twin throws).
extern "C" __global__ void hvd_activation_f32(int fn, const float* x, float* out, int n) {
    for (long long k = hvd_first(); k < n; k += hvd_stride()) {
        out[k] = hvd_act(fn, x[k]);
    }
}

// As the twin: GELU's derivative from x; ReLU, tanh and sigmoid from y = f(x) (recomputed from x when
// y is null, as the twin does). ReLU multiplies gy by the twin's branch-free step
// min(y * 2^127 * 2^127, 1), so a NaN y gives NaN and gy = +-Inf at y = 0 gives NaN, as on the CPU.
extern "C" __global__ void hvd_activation_backward_f32(int fn, const float* x, const float* y, const float* gy,
                                                       float* gx, int n) {
    const bool fromX = fn == 1 || y == nullptr;
    for (long long k = hvd_first(); k < n; k += hvd_stride()) {
        const float s = fromX ? x[k] : y[k];
        const float g = gy[k];
        float d;
        switch (fn) {
            case 0: {
                const float yv = fromX ? hvd_jmaxf(s, 0.0f) : s;
                d = hvd_jminf(yv * 0x1p127f * 0x1p127f, 1.0f);
                break;
            }
            case 1: {
                const double xv = (double)s;
                const double cdf = 0.5 * (1.0 + hvd_erf(xv * HVD_INV_SQRT2));
                d = (float)(cdf + xv * HVD_INV_SQRT_2PI * exp(-0.5 * xv * xv));
                break;
            }
            case 2: {
                const float yv = fromX ? hvd_act(2, s) : s;
                d = 1.0f - yv * yv;
                break;
            }
            case 3: {
                const float yv = fromX ? hvd_act(3, s) : s;
                d = yv * (1.0f - yv);
                break;
            }
            default:
                d = hvd_nanf();
                break;
        }
        gx[k] = g * d;
    }
}
