package org.hvd4j.tensor.cuda;

import java.util.Locale;
import org.hvd4j.cuda.CudaUnavailableException;
import org.hvd4j.cuda.JavaCppCudaDriver;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Device;
import org.hvd4j.tensor.cpu.CpuBackend;

/**
 * Opens the backend a process computes on, from a device name as users write it:
 * {@code cpu}, {@code emulated-cuda}, {@code cuda} (the GPU of this process's local rank, as
 * Horovod's {@code torch.cuda.set_device(hvd.local_rank())}) or {@code cuda:N} (GPU N of those
 * {@code CUDA_VISIBLE_DEVICES} shows).
 */
public final class Devices {
    private Devices() {
    }

    /**
     * @param spec       the device name
     * @param localRank  this process's rank among the processes on its host
     * @param localSize  the number of processes on this host
     * @throws IllegalArgumentException for an unknown device name
     * @throws org.hvd4j.cuda.CudaException when this local rank has no GPU of its own (more local
     *         ranks than visible GPUs), naming the count
     * @throws CudaUnavailableException when a GPU is asked for and there is none, naming what is missing
     */
    public static Backend open(String spec, int localRank, int localSize) {
        return open(spec, null, localRank, localSize);
    }

    /**
     * {@link #open(String, int, int)} with the GEMM precision of a CUDA backend ({@link CudaPrecision};
     * null keeps its default, TF32). A precision other than fp32 on the CPU is an error, raised
     * before any device is opened, as is an unknown precision name.
     */
    public static Backend open(String spec, String precision, int localRank, int localSize) {
        CudaPrecision p = precision == null ? null : CudaPrecision.parse(precision);
        boolean cpu = Device.parse(spec.trim()).kind() == Device.Kind.CPU;
        if (cpu && p != null && p != CudaPrecision.FP32) {
            throw new IllegalArgumentException("--precision " + precision + " needs a CUDA device (--device cuda or "
                    + "emulated-cuda); the CPU backend computes fp32");
        }
        Backend be = openDevice(spec, localRank, localSize);
        if (be instanceof CudaBackend cuda && p != null) {
            cuda.setPrecision(p);
        }
        return be;
    }

    /** For logs: {@code cpu}, or the device, its name and the GEMM precision. */
    public static String describe(Backend backend) {
        return backend instanceof CudaBackend cuda
                ? backend.device() + " (" + cuda.driver().device().name() + ", "
                        + cuda.precision().name().toLowerCase(Locale.ROOT) + ")"
                : backend.device().toString();
    }

    private static Backend openDevice(String spec, int localRank, int localSize) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        Device d = Device.parse(s);
        switch (d.kind()) {
            case CPU:
                return CpuBackend.get();
            case EMULATED_CUDA:
                return new CudaBackend(new EmulatedCudaDriver(), d);
            default:
                break;
        }
        // "cuda" pins the process to the GPU of its local rank; a local rank without a GPU of its own
        // fails in open() with the device count and what to change (the launcher then stops the job)
        int ordinal = s.equals("cuda") ? localRank : d.index();
        if (localRank < 0 || localRank >= Math.max(1, localSize)) {
            throw new IllegalArgumentException("local rank " + localRank + " outside [0, " + localSize + ")");
        }
        return new CudaBackend(JavaCppCudaDriver.open(ordinal), new Device(Device.Kind.CUDA, ordinal));
    }

}
