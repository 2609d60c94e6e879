package org.hvd4j.launcher;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code --check-build}: which backends, transports and native libraries this installation can
 * use on this host, and for each one that it cannot, why. Probes are real (loading the library,
 * writing to {@code /dev/shm}), not read from the build configuration.
 */
final class BuildCheck {
    private static final List<String> DRIVER_DIRS = List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib",
            "/usr/local/cuda/lib64", "/usr/local/cuda/compat");

    private BuildCheck() {
    }

    static void print(PrintStream out, Programs programs) {
        out.println("hvd4j build check (" + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                + ", " + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
                + Runtime.getRuntime().availableProcessors() + " cores)");
        String blas = openBlas();
        boolean blasOk = !blas.startsWith("no:");
        out.println("Backends:");
        line(out, blasOk, "CPU", blasOk ? "Java kernels + OpenBLAS" : "Java kernels only: " + blas.substring(3));
        String gpu = cuda();
        line(out, !gpu.startsWith("no:"), "CUDA", gpu.startsWith("no:") ? gpu.substring(3) : gpu);
        line(out, true, "emulated-cuda", "the CUDA backend on host memory, each kernel run by its CPU twin (--device emulated-cuda)");
        out.println("Transports:");
        String shm = shm();
        line(out, shm == null, "shm", shm == null ? "shared memory under /dev/shm, between ranks of one host" : shm);
        line(out, true, "tcp", "TCP ring, between hosts (and within one when shared memory is unavailable)");
        line(out, shm == null, "hierarchical", shm == null ? "shared memory within hosts, TCP rings across them"
                : "needs shm: " + shm);
        boolean nccl = org.hvd4j.allreduce.nccl.NcclCommunicator.isAvailable();
        line(out, nccl, "nccl", nccl ? "NCCL, between GPUs" : org.hvd4j.allreduce.nccl.NcclCommunicator.unavailableReason());
        out.println("Native libraries:");
        line(out, blasOk, "OpenBLAS", blasOk ? blas : blas.substring(3));
        String hdf5 = hdf5();
        line(out, !hdf5.startsWith("no:"), "HDF5", hdf5.startsWith("no:") ? hdf5.substring(3) : hdf5);
        out.println("Programs: " + String.join(", ", programs.all().keySet()));
    }

    private static void line(PrintStream out, boolean ok, String name, String detail) {
        out.printf("  [%s] %-13s %s%n", ok ? "x" : " ", name, detail);
    }

    /** "HDF5 <version> ..." when the native library loads, else "no:why". */
    private static String hdf5() {
        try {
            return "HDF5 " + org.hvd4j.hdf5.H5File.libraryVersion() + " (JavaCPP preset, native library loaded; "
                    + "hdf5: data sets and checkpoints)";
        } catch (RuntimeException | LinkageError e) {
            return "no:HDF5 does not load (hdf5: data sets and checkpoints need it): " + e.getMessage();
        }
    }

    /** "OpenBLAS <version>, loaded" when the native library loads, else "no:why". */
    private static String openBlas() {
        try {
            Class<?> c = org.bytedeco.openblas.global.openblas_nolapack.class;
            org.bytedeco.javacpp.Loader.load(c);
            String v = c.getPackage().getImplementationVersion();
            return "OpenBLAS " + (v == null ? "" : v + " ") + "(JavaCPP preset, native library loaded for "
                    + org.bytedeco.javacpp.Loader.getPlatform() + ")";
        } catch (LinkageError e) {
            return "no:OpenBLAS does not load: " + e;
        }
    }

    /**
     * The GPU this process would use with {@code --device cuda} (cuda:0, opened for real), else
     * "no:" and why, with what the host has (driver library, device node, kernel module).
     */
    private static String cuda() {
        try (org.hvd4j.cuda.JavaCppCudaDriver d = org.hvd4j.cuda.JavaCppCudaDriver.open(0)) {
            return d.device() + " (JavaCPP CUDA preset; kernels JIT-compiled from the committed PTX)";
        } catch (RuntimeException | LinkageError e) {
            return "no:" + e.getMessage() + " [this host has " + driverFacts() + "]";
        }
    }

    private static String driverFacts() {
        String driver = null;
        for (String d : DRIVER_DIRS) {
            if (Files.exists(Path.of(d, "libcuda.so.1"))) {
                driver = Path.of(d, "libcuda.so.1").toString();
                break;
            }
        }
        String nvidia = Files.exists(Path.of("/dev/nvidia0")) ? "a GPU device (/dev/nvidia0)" : "no /dev/nvidia0";
        try {
            // "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.82.07 ..." when a driver is loaded
            String v = Files.readString(Path.of("/proc/driver/nvidia/version")).lines().findFirst().orElse("").strip();
            if (!v.isEmpty()) {
                nvidia += ", " + v;
            }
        } catch (java.io.IOException | SecurityException noDriver) {
            // no kernel module loaded
        }
        return (driver == null ? "no NVIDIA driver (libcuda.so.1 not found)" : "the NVIDIA driver " + driver)
                + " and " + nvidia;
    }

    /** Null when a file can be created, mapped size-wise and removed under /dev/shm, else why not. */
    private static String shm() {
        Path dir = Path.of(System.getenv().getOrDefault("HVD4J_SHM_DIR", "/dev/shm"));
        if (!Files.isDirectory(dir)) {
            return dir + " does not exist";
        }
        try {
            Path f = Files.createTempFile(dir, "hvd4j-check", ".tmp");
            Files.delete(f);
            return null;
        } catch (Exception e) {
            return "cannot create files in " + dir + ": " + e.getMessage();
        }
    }
}
