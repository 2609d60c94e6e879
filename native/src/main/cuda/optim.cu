// Fused optimizer updates; twin: org.hvd4j.tensor.cpu.CpuOptim, operation by operation in float.
#include "hvd4j_kernels.h"
#include "hvd4j_common.cuh"

// PyTorch's SGD as the twin writes it: with momentum == 0, p -= lr*(g + wd*p) and buf is not touched.
extern "C" __global__ void hvd_sgd_update_f32(float* p, const float* g, float* buf, int n, float lr, float momentum,
                                              float dampening, float weightDecay, int nesterov, int firstStep) {
    if (momentum == 0.0f) {
        for (long long k = hvd_first(); k < n; k += hvd_stride()) {
            const float pv = p[k];
            p[k] = pv - lr * (g[k] + weightDecay * pv);
        }
        return;
    }
    for (long long k = hvd_first(); k < n; k += hvd_stride()) {
        const float pv = p[k];
        const float d = g[k] + weightDecay * pv;
        const float b = firstStep ? d : momentum * buf[k] + (1.0f - dampening) * d;
        buf[k] = b;
        p[k] = pv - lr * (nesterov ? d + momentum * b : b);
    }
}

// The twin's form (PyTorch's): p -= stepSize * m / (sqrt(v) / sqrtBc2 + eps) with
// stepSize = (float)(lr / bc1) and sqrtBc2 = (float)sqrt(bc2), both from double. The twin has bc1 and
// bc2 in double; here they arrive rounded to float, so stepSize and sqrtBc2 can differ from the
// twin's by an ulp (then p differs in its last bits); everything else is the twin's float arithmetic.
extern "C" __global__ void hvd_adam_update_f32(float* p, const float* g, float* m, float* v, int n, float lr,
                                               float beta1, float beta2, float eps, float weightDecay, int decoupled,
                                               float bc1, float bc2) {
    const float stepSize = (float)((double)lr / (double)bc1);
    const float sqrtBc2 = (float)sqrt((double)bc2);
    const float decay = 1.0f - lr * weightDecay;
    for (long long k = hvd_first(); k < n; k += hvd_stride()) {
        float pv = p[k];
        float gv = g[k];
        if (decoupled) {
            pv *= decay;
        } else {
            gv += weightDecay * pv;
        }
        const float mv = beta1 * m[k] + (1.0f - beta1) * gv;
        const float vv = beta2 * v[k] + (1.0f - beta2) * gv * gv;
        m[k] = mv;
        v[k] = vv;
        p[k] = pv - stepSize * mv / (sqrtf(vv) / sqrtBc2 + eps);
    }
}
