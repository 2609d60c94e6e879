package org.hvd4j.cuda;

/**
 * No usable GPU here: no driver, no CUDA libraries, or no device. The message says which, and
 * what to install or set; callers that can run without a GPU (tests, {@code --device auto}) catch
 * this one exception.
 */
public final class CudaUnavailableException extends CudaException {
    public CudaUnavailableException(String call, int code, String message) {
        super(call, code, message);
    }
}
