package org.hvd4j.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.cuda.global.cudart;

/**
 * Loads the JavaCPP CUDA natives once per process and turns a failure into a
 * {@link CudaUnavailableException} that names the shared library the dynamic linker could not
 * find, what it belongs to and what to install or set.
 *
 * <p>The JVM reports a failed static initialiser only once with its cause; every later use of the
 * class says "Could not initialize class" without it. So the first outcome of each load is kept and
 * replayed.
 */
final class CudaLibraries {
    /** Major CUDA version of the preset this build was compiled against (13 for 13.1-9.19-1.5.13). */
    static final int CUDA_MAJOR = cudart.CUDA_VERSION / 1000;
    static final String DRIVER = "libcuda.so.1";
    static final String CUDART = "libcudart.so." + CUDA_MAJOR;
    static final String CUBLAS = "libcublas.so." + CUDA_MAJOR;
    static final String CUBLASLT = "libcublasLt.so." + CUDA_MAJOR;
    static final String NCCL = "libnccl.so.2";

    private static final Pattern MISSING =
            Pattern.compile("(lib[A-Za-z0-9_+.-]*?\\.so(?:\\.[0-9]+)*): cannot open shared object file");

    private static Outcome cuda;
    private static Outcome nccl;

    private record Outcome(CudaUnavailableException failure) { }

    private CudaLibraries() {
    }

    /** Loads the driver API, the runtime and cuBLAS (the presets {@code cudart} and {@code cublas}). */
    static synchronized void requireCuda() {
        if (cuda == null) {
            cuda = new Outcome(load("org.bytedeco.cuda.global.cudart", "org.bytedeco.cuda.global.cublas"));
        }
        if (cuda.failure != null) {
            throw copy(cuda.failure);
        }
    }

    /** Loads the driver API and NCCL (the presets {@code cudart} and {@code nccl}); cuBLAS is not needed. */
    static synchronized void requireNccl() {
        if (nccl == null) {
            nccl = new Outcome(load("org.bytedeco.cuda.global.cudart", "org.bytedeco.cuda.global.nccl"));
        }
        if (nccl.failure != null) {
            throw copy(nccl.failure);
        }
    }

    /** A fresh exception per throw, so that each caller's stack trace is its own. */
    private static CudaUnavailableException copy(CudaUnavailableException e) {
        CudaUnavailableException c = new CudaUnavailableException(e.call(), e.code(), e.getMessage());
        c.initCause(e.getCause());
        return c;
    }

    private static CudaUnavailableException load(String... classes) {
        for (String name : classes) {
            try {
                Class.forName(name, true, CudaLibraries.class.getClassLoader());
            } catch (LinkageError | ClassNotFoundException | RuntimeException e) {
                String preset = name.substring(name.lastIndexOf('.') + 1);
                String last = classes[classes.length - 1];
                CudaUnavailableException u = new CudaUnavailableException("load " + preset, 0,
                        explain(preset, last.substring(last.lastIndexOf('.') + 1), e));
                u.initCause(e);
                return u;
            }
        }
        return null;
    }

    /** The message for a failed load of {@code preset}'s natives. Package-private for tests. */
    static String explain(String preset, Throwable error) {
        return explain(preset, preset, error);
    }

    /**
     * The message for a failed load of {@code preset}'s natives, listing the libraries that
     * {@code goal} (the last preset the caller needs: cublas or nccl) links against.
     */
    static String explain(String preset, String goal, Throwable error) {
        String loader = chain(error);
        String missing = missingLibrary(loader);
        List<String> wanted = new ArrayList<>(List.of(DRIVER, CUDART));
        if (goal.equals("cublas")) {
            wanted.add(CUBLAS);
            wanted.add(CUBLASLT);
        } else if (goal.equals("nccl")) {
            wanted.add(NCCL);
        }
        if (missing == null) {
            // the cause was reported to an earlier user of the class: find the first library not on disk
            for (String lib : wanted) {
                if (locate(lib) == null) {
                    missing = lib;
                    break;
                }
            }
        }
        StringBuilder sb = new StringBuilder("CUDA is not usable here: ");
        if (missing == null) {
            sb.append("the JavaCPP natives of the '").append(preset).append("' preset did not load (").append(loader)
                    .append("). ");
        } else {
            sb.append("cannot load ").append(missing).append(", ").append(whatIs(missing)).append(". ")
                    .append(remedy(missing)).append(' ');
        }
        sb.append("[looked for: ");
        for (int i = 0; i < wanted.size(); i++) {
            String where = locate(wanted.get(i));
            sb.append(i == 0 ? "" : ", ").append(wanted.get(i)).append(where == null ? " missing" : " at " + where);
        }
        sb.append("; LD_LIBRARY_PATH=").append(env("LD_LIBRARY_PATH")).append(']');
        if (missing != null) {
            sb.append(" (loader: ").append(loader).append(')');
        }
        return sb.toString();
    }

    /** The library named by a dynamic linker message such as "libcuda.so.1: cannot open shared object file". */
    static String missingLibrary(String loaderMessage) {
        Matcher m = MISSING.matcher(loaderMessage);
        String found = null;
        while (m.find()) {
            found = m.group(1); // the innermost cause comes last
        }
        return found;
    }

    static String whatIs(String lib) {
        if (lib.startsWith("libcuda.so")) {
            return "the NVIDIA driver's library (installed with the GPU driver, not with the CUDA toolkit)";
        }
        if (lib.startsWith("libcudart")) {
            return "the CUDA " + CUDA_MAJOR + " runtime (CUDA toolkit)";
        }
        if (lib.startsWith("libcublasLt") || lib.startsWith("libcublas")) {
            return "cuBLAS of the CUDA " + CUDA_MAJOR + " toolkit";
        }
        if (lib.startsWith("libnccl")) {
            return "NCCL, NVIDIA's collective communication library";
        }
        return "a library the JavaCPP CUDA natives link against";
    }

    static String remedy(String lib) {
        String cuda12 = CUDA_MAJOR >= 13 ? " On a host with CUDA 12 (driver < 580), build hvd4j with -Pcuda12." : "";
        if (lib.startsWith("libcuda.so")) {
            return "Install the NVIDIA driver (>= " + (CUDA_MAJOR >= 13 ? "580 for CUDA 13" : "525 for CUDA 12")
                    + "); in a container, start it with the NVIDIA container toolkit (docker run --gpus all ...)."
                    + " Without a GPU, use --device cpu.";
        }
        if (lib.startsWith("libnccl")) {
            return "Install NCCL for CUDA " + CUDA_MAJOR + " (apt install libnccl2, or pip install nvidia-nccl-cu"
                    + CUDA_MAJOR + ") and put its lib directory on LD_LIBRARY_PATH.";
        }
        if (lib.startsWith("libcudart")) {
            return "Install the CUDA " + CUDA_MAJOR + " toolkit (or its runtime package, or pip install"
                    + " nvidia-cuda-runtime-cu" + CUDA_MAJOR + ") and put its lib directory on LD_LIBRARY_PATH, or"
                    + " build hvd4j with the Maven profile -Pcuda-redist, which bundles the CUDA runtime (not cuBLAS"
                    + " or NCCL)." + cuda12;
        }
        return "Install cuBLAS of the CUDA " + CUDA_MAJOR + " toolkit (its libcublas package, for example apt install"
                + " libcublas-" + CUDA_MAJOR + "-0, or pip install nvidia-cublas-cu" + CUDA_MAJOR + ") and put its lib"
                + " directory on LD_LIBRARY_PATH (the -Pcuda-redist profile does not bundle cuBLAS)." + cuda12;
    }

    /** Where {@code soname} is: a directory of LD_LIBRARY_PATH or a usual place, "the ld.so cache", or null. */
    static String locate(String soname) {
        Set<String> dirs = new LinkedHashSet<>();
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            for (String d : ld.split(":")) {
                if (!d.isEmpty()) {
                    dirs.add(d);
                }
            }
        }
        dirs.addAll(List.of("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib",
                "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib",
                "/usr/local/cuda-" + CUDA_MAJOR + "/lib64", "/usr/lib/wsl/lib"));
        for (String d : dirs) {
            Path p = Path.of(d, soname);
            if (Files.exists(p)) {
                return p.toString();
            }
        }
        return inLdCache(soname) ? "the ld.so cache" : null;
    }

    private static boolean inLdCache(String soname) {
        try {
            byte[] cache = Files.readAllBytes(Path.of("/etc/ld.so.cache"));
            byte[] needle = ("\0" + soname + "\0").getBytes(StandardCharsets.US_ASCII);
            outer:
            for (int i = 0; i + needle.length <= cache.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (cache[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return true;
            }
        } catch (IOException | SecurityException e) {
            // no cache: nothing known
        }
        return false;
    }

    private static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        Set<Throwable> seen = new java.util.HashSet<>();
        for (Throwable x = t; x != null && seen.add(x); x = x.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(x.getClass().getSimpleName()).append(": ").append(x.getMessage());
        }
        return sb.toString();
    }

    static String env(String name) {
        String v = System.getenv(name);
        if (v == null) {
            return "unset";
        }
        return v.isEmpty() ? "'' (empty)" : v;
    }

    /** {@code CUDA_VISIBLE_DEVICES} as messages show it. */
    static String visibleDevices() {
        String v = System.getenv("CUDA_VISIBLE_DEVICES");
        if (v == null) {
            return "CUDA_VISIBLE_DEVICES is unset";
        }
        if (v.isBlank() || v.trim().toLowerCase(Locale.ROOT).equals("none") || v.trim().equals("-1")) {
            return "CUDA_VISIBLE_DEVICES='" + v + "' hides every GPU";
        }
        return "CUDA_VISIBLE_DEVICES='" + v + "'";
    }
}
