package org.hvd4j.cuda;

import static org.bytedeco.cuda.global.cudart.*;

import org.bytedeco.cuda.global.cublas;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Status codes of the driver API and cuBLAS as {@link CudaException}s: the call, the library's
 * error name and string, and a hint at what to check. Only used once the natives are loaded.
 */
final class CudaErrors {
    /** CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER, which the CUDA 12 preset's header does not name. */
    static final int CALL_REQUIRES_NEWER_DRIVER = 36;

    private CudaErrors() {
    }

    /** Throws unless {@code status} is {@code CUDA_SUCCESS}. */
    static void check(int status, String call) {
        if (status != CUDA_SUCCESS) {
            throw driver(call, status, null);
        }
    }

    /** Throws unless {@code status} is {@code CUDA_SUCCESS}; {@code what} says what the call was doing. */
    static void check(int status, String call, String what) {
        if (status != CUDA_SUCCESS) {
            throw driver(call, status, what);
        }
    }

    /** The exception for a failed driver call. */
    static CudaException driver(String call, int status, String what) {
        String hint = driverHint(status);
        return new CudaException(call, status, call + " failed: " + driverName(status) + " (" + driverString(status)
                + ")" + (what == null ? "" : " while " + what) + (hint.isEmpty() ? "" : ". " + hint));
    }

    /** {@code cuGetErrorName}, or the number where the driver does not know the code. */
    static String driverName(int status) {
        try (PointerPointer<BytePointer> p = new PointerPointer<>(1)) {
            if (cuGetErrorName(status, p) == CUDA_SUCCESS && p.get(0) != null && !p.get(0).isNull()) {
                return p.get(BytePointer.class, 0).getString();
            }
        } catch (LinkageError e) {
            // natives not loaded: fall through
        }
        return "CUresult " + status;
    }

    /** {@code cuGetErrorString}, or "unknown error". */
    static String driverString(int status) {
        try (PointerPointer<BytePointer> p = new PointerPointer<>(1)) {
            if (cuGetErrorString(status, p) == CUDA_SUCCESS && p.get(0) != null && !p.get(0).isNull()) {
                return p.get(BytePointer.class, 0).getString();
            }
        } catch (LinkageError e) {
            // natives not loaded: fall through
        }
        return "unknown error";
    }

    /** What to check for a driver status; empty where the name says it all. Package-private for tests. */
    static String driverHint(int status) {
        String major = Integer.toString(CudaLibraries.CUDA_MAJOR);
        String driver = CudaLibraries.CUDA_MAJOR >= 13 ? "580" : "525";
        return switch (status) {
            case CUDA_ERROR_OUT_OF_MEMORY -> "The GPU's memory is exhausted: lower the batch size (or the model), or"
                    + " check with nvidia-smi whether another process holds GPU memory";
            case CUDA_ERROR_NO_DEVICE -> "No CUDA device is visible (" + CudaLibraries.visibleDevices() + ")";
            case CUDA_ERROR_INVALID_DEVICE -> "No such device (" + CudaLibraries.visibleDevices() + ")";
            case CUDA_ERROR_NOT_INITIALIZED, CUDA_ERROR_DEINITIALIZED ->
                    "The CUDA driver is not initialised or is shutting down";
            case CUDA_ERROR_STUB_LIBRARY -> "libcuda.so.1 is the CUDA toolkit's stub, not the NVIDIA driver: remove the"
                    + " toolkit's lib64/stubs directory from LD_LIBRARY_PATH and install the NVIDIA driver";
            case CALL_REQUIRES_NEWER_DRIVER, CUDA_ERROR_UNSUPPORTED_PTX_VERSION ->
                    "The NVIDIA driver is older than the CUDA " + major + " toolkit that built hvd4j: CUDA " + major
                            + " needs driver >= " + driver
                            + (CudaLibraries.CUDA_MAJOR >= 13 ? " (or build hvd4j with -Pcuda12)" : "");
            case CUDA_ERROR_SYSTEM_DRIVER_MISMATCH -> "The NVIDIA kernel module and the user-space driver (libcuda.so.1)"
                    + " have different versions: reboot after a driver update, or reinstall the driver";
            case CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE -> "CUDA forward compatibility (a newer libcuda from the"
                    + " cuda-compat package) is not supported on this GPU: install driver >= " + driver;
            case CUDA_ERROR_SYSTEM_NOT_READY -> "The driver is not ready (on NVSwitch systems: is nvidia-fabricmanager"
                    + " running?)";
            case CUDA_ERROR_DEVICE_UNAVAILABLE -> "The GPU is busy or unavailable (compute mode exclusive-process held by"
                    + " another process? see nvidia-smi)";
            case CUDA_ERROR_INVALID_PTX, CUDA_ERROR_INVALID_IMAGE, CUDA_ERROR_NO_BINARY_FOR_GPU,
                    CUDA_ERROR_JIT_COMPILER_NOT_FOUND, CUDA_ERROR_JIT_COMPILATION_DISABLED ->
                    "The kernels' PTX could not be compiled for this GPU (see the JIT log)";
            case CUDA_ERROR_NOT_FOUND -> "Not found (a kernel missing from the PTX module?)";
            case CUDA_ERROR_INVALID_HANDLE -> "A stream, event or module handle that is destroyed or was never created";
            case CUDA_ERROR_INVALID_CONTEXT, CUDA_ERROR_CONTEXT_IS_DESTROYED -> "The CUDA context is gone (driver closed?)";
            case CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES -> "Too many threads per block or registers for this kernel";
            case CUDA_ERROR_ILLEGAL_ADDRESS, CUDA_ERROR_LAUNCH_FAILED, CUDA_ERROR_MISALIGNED_ADDRESS,
                    CUDA_ERROR_ILLEGAL_INSTRUCTION, CUDA_ERROR_HARDWARE_STACK_ERROR, CUDA_ERROR_INVALID_PC,
                    CUDA_ERROR_INVALID_ADDRESS_SPACE, CUDA_ERROR_ASSERT, CUDA_ERROR_LAUNCH_TIMEOUT ->
                    "A kernel faulted earlier (CUDA reports it at the next call); the context is unusable and the"
                            + " process must restart. Run under compute-sanitizer to find the kernel";
            case CUDA_ERROR_ECC_UNCORRECTABLE, CUDA_ERROR_NVLINK_UNCORRECTABLE ->
                    "A hardware error: check nvidia-smi -q for ECC/Xid errors";
            case CUDA_ERROR_INVALID_VALUE -> "An argument is out of range";
            case CUDA_ERROR_UNKNOWN -> "Often a driver/hardware problem: check dmesg for NVRM Xid messages and"
                    + " nvidia-smi";
            default -> "";
        };
    }

    // ---- cuBLAS -------------------------------------------------------------------------------

    /** Throws unless {@code status} is {@code CUBLAS_STATUS_SUCCESS}. */
    static void checkBlas(int status, String call, String what) {
        if (status != cublas.CUBLAS_STATUS_SUCCESS) {
            throw blas(call, status, what);
        }
    }

    static CudaException blas(String call, int status, String what) {
        String hint = blasHint(status);
        return new CudaException(call, status, call + " failed: " + blasName(status) + " (" + blasString(status) + ")"
                + (what == null ? "" : " for " + what) + (hint.isEmpty() ? "" : ". " + hint));
    }

    static String blasName(int status) {
        try {
            BytePointer p = cublas.cublasGetStatusName(status);
            if (p != null && !p.isNull()) {
                return p.getString();
            }
        } catch (LinkageError e) {
            // fall through
        }
        return "cublasStatus " + status;
    }

    static String blasString(int status) {
        try {
            BytePointer p = cublas.cublasGetStatusString(status);
            if (p != null && !p.isNull()) {
                return p.getString();
            }
        } catch (LinkageError e) {
            // fall through
        }
        return "unknown status";
    }

    static String blasHint(int status) {
        return switch (status) {
            case cublas.CUBLAS_STATUS_NOT_INITIALIZED -> "cuBLAS could not start: an NVIDIA driver older than libcublas"
                    + " (CUDA " + CudaLibraries.CUDA_MAJOR + " needs driver >= "
                    + (CudaLibraries.CUDA_MAJOR >= 13 ? "580" : "525") + "), or no GPU memory left";
            case cublas.CUBLAS_STATUS_ALLOC_FAILED -> "cuBLAS could not allocate its workspace: the GPU's memory is"
                    + " exhausted, lower the batch size";
            case cublas.CUBLAS_STATUS_INVALID_VALUE -> "A size, leading dimension or type is invalid (ld must be >="
                    + " the stored row count, sizes >= 0)";
            case cublas.CUBLAS_STATUS_ARCH_MISMATCH, cublas.CUBLAS_STATUS_NOT_SUPPORTED ->
                    "This GPU does not support the operation (BF16 GEMM needs sm_80 or newer)";
            case cublas.CUBLAS_STATUS_EXECUTION_FAILED -> "The GEMM kernel failed on the GPU (a bad device pointer, or"
                    + " an earlier fault)";
            default -> "";
        };
    }
}
