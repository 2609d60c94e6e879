package org.hvd4j.cuda;

import static org.bytedeco.cuda.global.cudart.*;

import org.bytedeco.cuda.cudart.CUctx_st;

/**
 * A retained primary context of one device, made current on whichever thread calls
 * {@link #bind}. The CUDA runtime, cuBLAS and NCCL use the primary context too, so everything in
 * the process shares one context per device.
 *
 * <p>Which context a thread has current is remembered in a thread-local (the address of the
 * context hvd4j last made current there), so a thread pays one {@code cuCtxSetCurrent} per context,
 * not one per call; the driver and NCCL retain the same primary context, so a thread that calls
 * both binds once. A library that switches the current context behind our back on a thread that
 * also calls us (none of those we use does; NCCL restores the device it changes) would defeat it.
 */
final class PrimaryContext {
    /** The CUcontext this thread has current, as far as hvd4j made it so (0: none). */
    private static final ThreadLocal<long[]> CURRENT = ThreadLocal.withInitial(() -> new long[1]);

    private final int device;
    private final CUctx_st context;
    private volatile boolean released;

    private PrimaryContext(int device, CUctx_st context) {
        this.device = device;
        this.context = context;
    }

    /** {@code cuDevicePrimaryCtxRetain} of {@code device} (a CUdevice from cuDeviceGet), made current here. */
    static PrimaryContext retain(int device) {
        CUctx_st ctx = new CUctx_st();
        CudaErrors.check(cuDevicePrimaryCtxRetain(ctx, device), "cuDevicePrimaryCtxRetain",
                "retaining the primary context of device " + device);
        if (ctx.isNull()) {
            throw new CudaException("cuDevicePrimaryCtxRetain", CUDA_ERROR_INVALID_CONTEXT,
                    "cuDevicePrimaryCtxRetain returned no context for device " + device);
        }
        PrimaryContext p = new PrimaryContext(device, ctx);
        p.bind();
        return p;
    }

    /** Makes the context current on the calling thread unless it already is. */
    void bind() {
        long[] cur = CURRENT.get();
        if (cur[0] != context.address() || released) {
            if (released) {
                throw new CudaException("cuCtxSetCurrent", CUDA_ERROR_CONTEXT_IS_DESTROYED,
                        "the primary context of device " + device + " is released");
            }
            CudaErrors.check(cuCtxSetCurrent(context), "cuCtxSetCurrent", "making device " + device
                    + "'s context current on thread " + Thread.currentThread().getName());
            cur[0] = context.address();
        }
    }

    int device() {
        return device;
    }

    /** The CUcontext's address. */
    long address() {
        return context.address();
    }

    /**
     * Unbinds it from the calling thread and releases the retain ({@code cuDevicePrimaryCtxRelease});
     * idempotent. Other threads keep it current (their thread-local says so, and {@link #bind} does
     * nothing there): the owners refuse calls after closing by their own closed flag.
     */
    int release() {
        if (released) {
            return CUDA_SUCCESS;
        }
        released = true;
        long[] cur = CURRENT.get();
        if (cur[0] == context.address()) {
            cuCtxSetCurrent(null);
            cur[0] = 0;
        }
        return cuDevicePrimaryCtxRelease(device);
    }
}
