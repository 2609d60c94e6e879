package org.hvd4j.cuda;

/**
 * A failed CUDA, cuBLAS or NCCL call: the message names the call, the library's error name and
 * string, and what to check.
 */
public class CudaException extends RuntimeException {
    private final String call;
    private final int code;

    public CudaException(String call, int code, String message) {
        super(message);
        this.call = call;
        this.code = code;
    }

    /** The library function that failed, for example {@code cuLaunchKernel}. */
    public String call() {
        return call;
    }

    /** The library's status code (0 when the failure was detected by hvd4j itself). */
    public int code() {
        return code;
    }
}
