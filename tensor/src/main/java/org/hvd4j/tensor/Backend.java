package org.hvd4j.tensor;

import java.nio.ByteBuffer;

/**
 * What a device must do: memory, copies, and about thirty kernels grouped by family. Tensor
 * arguments are contiguous row-major views; shapes are passed explicitly as the kernel sees them
 * (for example {@code [outer, channels, inner]} for per-channel kernels), so the kernels need no
 * knowledge of layers. {@code out} arguments are written, never read, unless a parameter says
 * "accumulate". The CPU implementation is the readable reference; every other backend is tested
 * against it by the backend contract tests.
 */
public interface Backend {

    /** The device this backend computes on. */
    Device device();

    // ---- memory -------------------------------------------------------------------------------

    /** Storage of at least {@code bytes} bytes with undefined contents, from the pool if possible. */
    Storage allocate(long bytes);

    /** Takes back a storage released by a {@link TensorScope}. */
    void recycle(Storage storage);

    /** Number of allocations that the pool could not serve (a warmed-up step must add none). */
    long freshAllocations();

    void copyIn(float[] src, int srcOffset, Tensor dst, int dstOffset, int count);

    void copyIn(int[] src, int srcOffset, Tensor dst, int dstOffset, int count);

    void copyOut(Tensor src, int srcOffset, float[] dst, int dstOffset, int count);

    void copyOut(Tensor src, int srcOffset, int[] dst, int dstOffset, int count);

    /**
     * The tensor's elements as host memory, {@code numel * dtype.bytes()} bytes in native order,
     * sharing storage with the tensor; null when its memory is not addressable from the host
     * (device memory: use {@link #copyToHost} and {@link #copyFromHost}). The collectives of the
     * distributed runtime reduce CPU tensors in place through it.
     */
    ByteBuffer hostBytes(Tensor t);

    /** Raw bytes of {@code count} elements from element {@code offset} of {@code src} to {@code dst[dstPos, ...)}. */
    void copyToHost(Tensor src, int offset, int count, ByteBuffer dst, int dstPos);

    /** Raw bytes of {@code count} elements from {@code src[srcPos, ...)} to element {@code offset} of {@code dst}. */
    void copyFromHost(ByteBuffer src, int srcPos, Tensor dst, int offset, int count);

    /** {@code dst[i] = src[i]} for all elements (same element count and dtype). */
    void copy(Tensor src, Tensor dst);

    /** Sets every element of {@code dst} to {@code value}. */
    void fill(Tensor dst, float value);

    // ---- GEMM ---------------------------------------------------------------------------------

    /**
     * Row-major {@code C = alpha * op(A) * op(B) + beta * C} with {@code op(A)} of shape
     * {@code [m, k]}, {@code op(B)} of shape {@code [k, n]} and {@code C} of shape {@code [m, n]};
     * offsets are in elements, leading dimensions are the row strides of the stored matrices.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              Tensor a, int aOffset, int lda, Tensor b, int bOffset, int ldb,
              float beta, Tensor c, int cOffset, int ldc);

    /**
     * Runs two independent sequences of kernel calls, such as the input and weight gradients of a
     * layer, which must not write memory the other reads or writes, and returns once both are
     * done. A backend may run them at the same time: the CPU backend gives each half of its
     * threads, which beats splitting each product over all of them when the products are small
     * (the {@code mlp}'s {@code fc2} backward, 2 cores: its two products take 180 and 192 µs on
     * one thread each, so about 195 µs side by side, against 145 + 125 µs each split in two).
     * The default runs {@code first}, then {@code second}; a device backend's stream orders them
     * anyway. Tensors must be allocated
     * before, not inside, either sequence: allocation belongs to the calling thread's
     * {@link TensorScope}.
     */
    default void fork(Runnable first, Runnable second) {
        first.run();
        second.run();
    }

    // ---- elementwise --------------------------------------------------------------------------

    /** {@code out[i] = a[i] op b[i]}. */
    void binary(BinaryOp op, Tensor a, Tensor b, Tensor out);

    /** {@code y[i] = alpha * x[i] + beta * y[i]}. */
    void axpby(float alpha, Tensor x, float beta, Tensor y);

    /** {@code out[i] = x[i] * s}. */
    void scale(Tensor x, float s, Tensor out);

    /** Viewing x as {@code [outer, channels, inner]}: {@code out[o,c,i] = x[o,c,i] + bias[c]}. */
    void addBias(Tensor x, Tensor bias, int outer, int channels, int inner, Tensor out);

    /**
     * Viewing g as {@code [outer, channels, inner]}: {@code out[c] (+)= sum over o,i of g[o,c,i]}
     * (the gradient of a bias).
     */
    void sumBias(Tensor g, int outer, int channels, int inner, Tensor out, boolean accumulate);

    /** {@code out[i] = f(x[i])}. */
    void activation(Activation f, Tensor x, Tensor out);

    /**
     * {@code gradIn[i] = gradOut[i] * f'(x[i])}; {@code y = f(x)} is passed too because some
     * derivatives are cheapest from the output (tanh, sigmoid).
     */
    void activationBackward(Activation f, Tensor x, Tensor y, Tensor gradOut, Tensor gradIn);

    // ---- softmax and cross-entropy ------------------------------------------------------------

    /** Row-wise softmax (or log-softmax) of {@code x[rows, cols]}, max-subtracted for stability. */
    void softmax(Tensor x, int rows, int cols, boolean log, Tensor out);

    /**
     * Backward of {@link #softmax} given its output y: softmax {@code gx = y * (gy - sum(gy*y))},
     * log-softmax {@code gx = gy - exp(y) * sum(gy)}, row by row.
     */
    void softmaxBackward(Tensor y, Tensor gy, int rows, int cols, boolean log, Tensor gx);

    /**
     * Cross-entropy from logits with label smoothing ε, per row:
     * {@code loss[r] = -sum_c q[c] * log_softmax(x[r])[c]} with {@code q = (1-ε)·onehot(label) + ε/cols}.
     * When {@code gradLogits} is not null it receives {@code (softmax(x[r]) - q) * gradScale}.
     * Labels are INT32 in {@code [0, cols)}; an out-of-range label throws, naming the row.
     */
    void crossEntropy(Tensor logits, Tensor labels, int rows, int cols, float smoothing,
                      Tensor lossPerRow, Tensor gradLogits, float gradScale);

    // ---- reductions ---------------------------------------------------------------------------

    /** Viewing x as {@code [outer, n, inner]}: {@code out[o, i] = op over j of x[o, j, i]}. */
    void reduce(ReduceOp op, Tensor x, int outer, int n, int inner, Tensor out);

    /** Viewing x as {@code [outer, n, inner]}: {@code out[o, i] = argmax over j} (INT32, first max). */
    void argmax(Tensor x, int outer, int n, int inner, Tensor out);

    /** Sum of squares of all elements, accumulated in double (for gradient-norm clipping). */
    double sumOfSquares(Tensor x);

    // ---- convolution helpers ------------------------------------------------------------------

    /**
     * Unfolds one image {@code x[C, H, W]} (at {@code xOffset}) into {@code cols[C*kh*kw, OH*OW]}
     * (at {@code colsOffset}), zero outside the padded border.
     */
    void im2col(Tensor x, int xOffset, ConvGeometry g, Tensor cols, int colsOffset);

    /** Adjoint of {@link #im2col}: adds each column entry back into {@code x[C, H, W]} (accumulates). */
    void col2im(Tensor cols, int colsOffset, ConvGeometry g, Tensor x, int xOffset);

    /**
     * Convolution without bias, batch-parallel: {@code y[i] (O × OH·OW) = W (O × C·kh·kw) ·
     * im2col(x[i])} for each of the {@code n} images of {@code x [n, C, H, W]}; {@code w} is
     * {@code [O, C, kh, kw]}.
     */
    void conv2d(Tensor x, Tensor w, int n, ConvGeometry g, Tensor y);

    /** Gradient of {@link #conv2d} with respect to x: {@code gx[i] = col2im(Wᵀ · gy[i])} (overwrites gx). */
    void conv2dBackwardInput(Tensor gy, Tensor w, int n, ConvGeometry g, Tensor gx);

    /**
     * Gradient of {@link #conv2d} with respect to W: {@code gw (+)= Σ_i gy[i] · im2col(x[i])ᵀ}
     * (added to gw when {@code accumulate}, else overwrites it).
     */
    void conv2dBackwardWeight(Tensor gy, Tensor x, int n, ConvGeometry g, Tensor gw, boolean accumulate);

    // ---- pooling ------------------------------------------------------------------------------

    /** Max pooling of {@code x[N*C, H, W]}; {@code indices} (INT32) get the flat h*W+w of each max. */
    void maxPool2d(Tensor x, int planes, PoolGeometry g, Tensor out, Tensor indices);

    /** Routes each output gradient to the input position its max came from (gradIn is overwritten). */
    void maxPool2dBackward(Tensor gradOut, Tensor indices, int planes, PoolGeometry g, Tensor gradIn);

    /** Average pooling of {@code x[N*C, H, W]}; padding counts towards the divisor (PyTorch default). */
    void avgPool2d(Tensor x, int planes, PoolGeometry g, Tensor out);

    void avgPool2dBackward(Tensor gradOut, int planes, PoolGeometry g, Tensor gradIn);

    // ---- batch normalisation over x[N, C, inner] ----------------------------------------------

    /** Per-channel mean and biased variance over N and inner. */
    void batchNormStats(Tensor x, int n, int c, int inner, Tensor mean, Tensor var);

    /** {@code out[i] = 1 / sqrt(var[i] + eps)}. */
    void inverseStd(Tensor var, float eps, Tensor out);

    /** {@code out = (x - mean[c]) * invStd[c] * gamma[c] + beta[c]}. */
    void batchNormForward(Tensor x, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta,
                          int n, int c, int inner, Tensor out);

    /**
     * Training-mode backward with batch statistics. {@code gradGamma} and {@code gradBeta} are
     * overwritten; {@code gradIn = gamma*invStd/M * (M*g - sum(g) - xhat*sum(g*xhat))}, M = n*inner.
     */
    void batchNormBackward(Tensor gradOut, Tensor x, Tensor mean, Tensor invStd, Tensor gamma,
                           int n, int c, int inner, Tensor gradIn, Tensor gradGamma, Tensor gradBeta);

    // ---- randomness ---------------------------------------------------------------------------

    /**
     * Inverted-dropout mask: {@code mask[i] = 0} with probability p, else {@code 1/(1-p)}. Element i
     * draws from a counter-based generator keyed by (seed, i), so every backend makes the same mask.
     */
    void dropoutMask(long seed, float p, Tensor mask);

    // ---- indexing (embeddings) ----------------------------------------------------------------

    /** {@code out[r, :] = table[idx[r], :]} for rows of width {@code dim}; idx is INT32. */
    void gatherRows(Tensor table, Tensor idx, int rows, int dim, Tensor out);

    /** {@code tableGrad[idx[r], :] += grad[r, :]} (accumulates; repeated indices add up). */
    void scatterAddRows(Tensor grad, Tensor idx, int rows, int dim, Tensor tableGrad);

    // ---- optimizer updates (in place on the parameter and its state) --------------------------

    /**
     * PyTorch's SGD: {@code g += wd*p}; with momentum {@code buf = firstStep ? g : m*buf + (1-damp)*g},
     * {@code g = nesterov ? g + m*buf : buf}; then {@code p -= lr*g}. {@code buf} may be null when
     * momentum is 0.
     */
    void sgdUpdate(Tensor param, Tensor grad, Tensor buf, float lr, float momentum, float dampening,
                   float weightDecay, boolean nesterov, boolean firstStep);

    /**
     * Adam (L2 weight decay added to the gradient) or AdamW ({@code decoupled}: {@code p *= 1-lr*wd}),
     * with bias corrections for step {@code t >= 1}:
     * {@code m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)}.
     */
    void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                    float eps, float weightDecay, boolean decoupled, int t);
}
