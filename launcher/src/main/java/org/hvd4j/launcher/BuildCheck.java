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
        line(out, false, "CUDA", cuda());
        out.println("Transports:");
        String shm = shm();
        line(out, shm == null, "shm", shm == null ? "shared memory under /dev/shm, between ranks of one host" : shm);
        line(out, true, "tcp", "TCP ring, between hosts (and within one when shared memory is unavailable)");
        line(out, shm == null, "hierarchical", shm == null ? "shared memory within hosts, TCP rings across them"
                : "needs shm: " + shm);
        line(out, false, "nccl", "not in this build: the GPU backend and NCCL come with the CUDA work");
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

    /** Why CUDA is not usable: the backend is not built yet; says whether a driver is present at all. */
    private static String cuda() {
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
        return "not in this build: the CUDA backend is not implemented yet; this host has "
                + (driver == null ? "no NVIDIA driver (libcuda.so.1 not found)" : "the NVIDIA driver " + driver)
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
