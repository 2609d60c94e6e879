// hvd4j CUDA kernels: the launch ABI shared by the .cu sources, CudaBackend (which launches them by
// name) and the host emulation (which runs each launch on the kernel's CPU twin).
//
// Conventions
// - Every kernel is extern "C" so that its PTX entry has exactly the name below.
// - Pointers are device addresses of the first element the kernel touches (CudaBackend adds the
//   tensor's element offset before the launch). A pointer documented as "nullable" may be 0.
// - Counts are int: one tensor holds at most 2^31-1 elements (the Tensor class's limit too).
// - "1-D grid-stride": any grid of at least one block of at most 1024 threads covers all n
//   elements with the loop  for (i = blockIdx.x*blockDim.x + threadIdx.x; i < n; i += gridDim.x*blockDim.x).
//   CudaBackend launches them with 256 threads and min(ceil(n/256), 65535) blocks.
// - "per-row block": gridDim.x == rows (or channels), one block of HVD4J_BLOCK (256) threads per row;
//   the block reduces in shared memory (static, HVD4J_BLOCK floats/doubles) in a fixed order, so
//   results are deterministic run to run.
// - Enum codes are the ordinals of the Java enums: BinaryOp {ADD=0, SUB=1, MUL=2, DIV=3},
//   Activation {RELU=0, GELU=1 (exact erf form), TANH=2, SIGMOID=3}, ReduceOp {SUM=0, MEAN=1, MAX=2}.
// - Flags are int 0/1.
// - Semantics of each kernel are those of the CPU backend's op of the same name (the twin); the
//   formulas are repeated here briefly.
#pragma once

#define HVD4J_BLOCK 256

#ifdef __cplusplus
extern "C" {
#endif

// ---- elementwise.cu ------------------------------------------------------------------------------
// 1-D grid-stride: out[i] = value
__global__ void hvd_fill_f32(float* out, float value, int n);
// 1-D grid-stride: out[i] = a[i] op b[i]
__global__ void hvd_binary_f32(int op, const float* a, const float* b, float* out, int n);
// 1-D grid-stride: y[i] = alpha*x[i] + beta*y[i]   (beta == 0 must not read y: y may hold NaN)
__global__ void hvd_axpby_f32(float alpha, const float* x, float beta, float* y, int n);
// 1-D grid-stride: out[i] = x[i]*s
__global__ void hvd_scale_f32(const float* x, float s, float* out, int n);
// 1-D grid-stride over n = outer*channels*inner: out[o,c,i] = x[o,c,i] + bias[c]
__global__ void hvd_add_bias_f32(const float* x, const float* bias, float* out, int outer, int channels, int inner);
// per-row block, gridDim.x == channels: out[c] = (accumulate ? out[c] : 0) + sum over o,i of g[o,c,i]
// (float accumulation per thread, tree in shared memory; matches the CPU twin within 1e-5 relative)
__global__ void hvd_sum_bias_f32(const float* g, float* out, int outer, int channels, int inner, int accumulate);

// ---- activation.cu -------------------------------------------------------------------------------
// 1-D grid-stride: out[i] = f(x[i])
__global__ void hvd_activation_f32(int fn, const float* x, float* out, int n);
// 1-D grid-stride: gx[i] = gy[i] * f'(x[i]); tanh and sigmoid use y = f(x): 1-y^2, y(1-y);
// relu: gy * step(y) with step = min(y*2^254, 1) as the twin (0 or 1; a NaN y gives NaN, gy = Inf at
// y = 0 gives NaN); gelu: Phi(x) + x*phi(x). y is nullable (then f(x), and for relu max(x, 0), is used);
// x is nullable when y is given and fn != GELU.
__global__ void hvd_activation_backward_f32(int fn, const float* x, const float* y, const float* gy, float* gx, int n);

// ---- softmax.cu ----------------------------------------------------------------------------------
// per-row block, gridDim.x == rows: row-wise (log-)softmax, max-subtracted
__global__ void hvd_softmax_f32(const float* x, float* out, int rows, int cols, int log);
// per-row block: softmax gx = y*(gy - sum(gy*y)); log-softmax gx = gy - exp(y)*sum(gy)
__global__ void hvd_softmax_backward_f32(const float* y, const float* gy, float* gx, int rows, int cols, int log);
// per-row block: q = (1-eps)*onehot(label) + eps/cols; loss[r] = -sum_c q[c]*log_softmax(x[r])[c];
// grad (nullable) [r,c] = (softmax(x[r])[c] - q[c]) * gradScale. A label outside [0, cols) makes the
// row's loss NaN, leaves its grad row untouched, and atomicMin's the row index into *badRow
// (which the caller initialises to INT_MAX and reads back).
__global__ void hvd_cross_entropy_f32(const float* logits, const int* labels, float* loss, float* grad,
                                      int rows, int cols, float smoothing, float gradScale, int* badRow);

// ---- reduce.cu -----------------------------------------------------------------------------------
// 1-D grid-stride over outer*inner outputs: out[o,i] = op over j < n of x[o,j,i] (MEAN divides by n;
// accumulated in double in order j = 0..n-1 and rounded to float once, as the twin)
__global__ void hvd_reduce_f32(int op, const float* x, float* out, int outer, int n, int inner);
// 1-D grid-stride over outer*inner outputs: out[o,i] = first j with the maximum of x[o,j,i] (INT32)
__global__ void hvd_argmax_f32(const float* x, int* out, int outer, int n, int inner);
// gridDim.x blocks of HVD4J_BLOCK threads: partial[blockIdx.x] = sum of x[i]^2 (double) over the
// block's grid-stride share; the host adds the gridDim.x partials in order
__global__ void hvd_sum_squares_f32(const float* x, double* partial, int n);

// ---- conv.cu -------------------------------------------------------------------------------------
// Batched unfold of n images x[n][C][H][W] into cols[C*kh*kw][n*OH*OW]: column index b*OH*OW + oh*OW + ow,
// row index (c*kh + ki)*kw + kj; zero outside the padded border. 1-D grid-stride over C*kh*kw*n*OH*OW.
// With n == 1 this is exactly the single-image im2col layout [C*kh*kw][OH*OW].
__global__ void hvd_im2col_f32(const float* x, float* cols, int n, int C, int H, int W, int kh, int kw,
                               int sh, int sw, int ph, int pw, int OH, int OW);
// Adjoint of hvd_im2col_f32, as a gather (no atomics, deterministic): each x[b][c][h][w] =
// (accumulate ? x : 0) + sum of the cols entries that im2col copied from it. 1-D grid-stride over n*C*H*W.
__global__ void hvd_col2im_f32(const float* cols, float* x, int n, int C, int H, int W, int kh, int kw,
                               int sh, int sw, int ph, int pw, int OH, int OW, int accumulate);
// Swaps the first two axes: out[b][a][i] = in[a][b][i] for in of shape [A][B][inner]. 1-D grid-stride
// over A*B*inner. (Turns [O][n*P] GEMM output into [n][O][P] images and back.)
__global__ void hvd_swap01_f32(const float* in, float* out, int A, int B, int inner);

// ---- pool.cu -------------------------------------------------------------------------------------
// Max pooling of planes x[planes][H][W] -> out[planes][OH][OW], idx (INT32) = h*W+w of the first max
// in row-major window order (the first NaN, once there is one); padding never wins. 1-D grid-stride
// over planes*OH*OW. (2x2 windows of stride 2 without padding follow the twin's fast path, which
// prefers a +0.0 to an earlier -0.0.)
__global__ void hvd_maxpool2d_f32(const float* x, float* out, int* idx, int planes, int H, int W, int OH, int OW,
                                  int kh, int kw, int sh, int sw, int ph, int pw);
// Gather form: gx[p][h][w] = sum of gy[p][oh][ow] over the windows containing (h,w) whose idx == h*W+w
// (overwrites gx). 1-D grid-stride over planes*H*W.
__global__ void hvd_maxpool2d_backward_f32(const float* gy, const int* idx, float* gx, int planes, int H, int W,
                                           int OH, int OW, int kh, int kw, int sh, int sw, int ph, int pw);
// Average pooling, divisor kh*kw (padding counts, PyTorch's default). 1-D grid-stride over planes*OH*OW.
__global__ void hvd_avgpool2d_f32(const float* x, float* out, int planes, int H, int W, int OH, int OW,
                                  int kh, int kw, int sh, int sw, int ph, int pw);
// Gather form of the adjoint (overwrites gx). 1-D grid-stride over planes*H*W.
__global__ void hvd_avgpool2d_backward_f32(const float* gy, float* gx, int planes, int H, int W, int OH, int OW,
                                           int kh, int kw, int sh, int sw, int ph, int pw);

// ---- norm.cu (batch normalisation over x[n][c][inner]) ------------------------------------------
// per-row block, gridDim.x == c: mean[ch], biased var[ch] = max(0, E[x^2] - mean^2), sums in double
__global__ void hvd_bn_stats_f32(const float* x, float* mean, float* var, int n, int c, int inner);
// 1-D grid-stride: out[i] = 1/sqrt(var[i] + eps) (computed in double, as the twin)
__global__ void hvd_inverse_std_f32(const float* var, float eps, float* out, int n);
// 1-D grid-stride over n*c*inner: scale = invStd[ch]*gamma[ch]; out = x*scale + (beta[ch] - mean[ch]*scale)
__global__ void hvd_bn_forward_f32(const float* x, const float* mean, const float* invStd, const float* gamma,
                                   const float* beta, float* out, int n, int c, int inner);
// per-row block, gridDim.x == c, sums in double: sumG = sum g, sumGx = sum g*xhat, xhat = (x-mean)*invStd;
// gradGamma[ch] = sumGx, gradBeta[ch] = sumG (both nullable);
// gradIn (nullable) = gamma*invStd/M * (M*g - sumG - xhat*sumGx), M = n*inner
__global__ void hvd_bn_backward_f32(const float* gy, const float* x, const float* mean, const float* invStd,
                                    const float* gamma, float* gradIn, float* gradGamma, float* gradBeta,
                                    int n, int c, int inner);

// ---- random.cu -----------------------------------------------------------------------------------
// 1-D grid-stride: u = (splitmix64(seed + (i+1)*0x9E3779B97F4A7C15) >> 40) * 2^-24;
// mask[i] = u < p ? 0 : (p >= 1 ? 0 : 1/(1-p))   (bit-identical to CpuRandom)
__global__ void hvd_dropout_mask_f32(float* mask, unsigned long long seed, float p, int n);

// ---- index.cu ------------------------------------------------------------------------------------
// 1-D grid-stride over rows*dim: out[r][d] = table[idx[r]][d]
__global__ void hvd_gather_rows_f32(const float* table, const int* idx, float* out, int rows, int dim);
// 1-D grid-stride over rows*dim: atomicAdd(&tableGrad[idx[r]][d], grad[r][d])
__global__ void hvd_scatter_add_rows_f32(const float* grad, const int* idx, float* tableGrad, int rows, int dim);

// ---- optim.cu ------------------------------------------------------------------------------------
// 1-D grid-stride, PyTorch's SGD: g += wd*p; if momentum != 0: buf = firstStep ? g : momentum*buf + (1-dampening)*g,
// g = nesterov ? g + momentum*buf : buf; p -= lr*g. buf nullable when momentum == 0.
__global__ void hvd_sgd_update_f32(float* p, const float* g, float* buf, int n, float lr, float momentum,
                                   float dampening, float weightDecay, int nesterov, int firstStep);
// 1-D grid-stride, Adam / AdamW (decoupled: p *= 1 - lr*wd; else g += wd*p):
// m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; p -= lr * (m/bc1) / (sqrt(v/bc2) + eps),
// bc1 = 1 - b1^t, bc2 = 1 - b2^t computed by the caller in double and passed as float; evaluated in the
// twin's (PyTorch's) form p -= stepSize*m / (sqrt(v)/sqrtBc2 + eps), stepSize = (float)(lr/(double)bc1),
// sqrtBc2 = (float)sqrt((double)bc2)
__global__ void hvd_adam_update_f32(float* p, const float* g, float* m, float* v, int n, float lr, float beta1,
                                    float beta2, float eps, float weightDecay, int decoupled, float bc1, float bc2);

// ---- cast.cu (mixed precision and compression; round to nearest even, NaN stays NaN) -----------
// 1-D grid-stride
__global__ void hvd_f32_to_bf16(const float* in, unsigned short* out, int n);
__global__ void hvd_bf16_to_f32(const unsigned short* in, float* out, int n);
__global__ void hvd_f32_to_f16(const float* in, unsigned short* out, int n);
__global__ void hvd_f16_to_f32(const unsigned short* in, float* out, int n);

// ---- fusion.cu (tensor fusion on the device) -----------------------------------------------------
// Packs `count` tensors into one buffer: tensor t has srcs[t] (device address) and elements
// offsets[t] .. offsets[t+1]-1 of dst; dst[offsets[t] + i] = srcs[t][i] * scale.
// gridDim.y == count (one row of blocks per tensor), grid-stride over the tensor's elements in x.
__global__ void hvd_pack_f32(const unsigned long long* srcs, const long long* offsets, int count, float* dst, float scale);
// The inverse: dsts[t][i] = src[offsets[t] + i] * scale. Same launch shape.
__global__ void hvd_unpack_f32(const float* src, const unsigned long long* dsts, const long long* offsets, int count, float scale);

#ifdef __cplusplus
}
#endif
