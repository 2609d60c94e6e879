package org.hvd4j.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Builds the fake CUDA libraries of {@code native/src/test/c} (driver, runtime and cuBLAS stubs,
 * NCCL) with the C compiler and runs a test scenario in a child JVM whose dynamic linker finds
 * them first, so that the real JavaCPP binding runs end to end without a GPU. The child JVM is
 * needed because a process can load the CUDA natives only once, and the test JVM's own attempt
 * (without a driver) must fail. Published in native's test jar: the allreduce tests run NCCL and
 * the device collectives over the same fakes.
 */
public final class FakeCuda {
    private FakeCuda() {
    }

    /** The result of a child JVM. */
    public record Run(int exitCode, String output) {
    }

    /** Major version in the library names (libcublas.so.13 for the CUDA 13 preset). */
    static int cudaMajor() {
        return CudaLibraries.CUDA_MAJOR;
    }

    /**
     * Compiles the fakes from {@code sources} into {@code out} (once per directory), with the kernels'
     * fake PTX under {@code out/ptx}.
     *
     * @return null when they are built, otherwise why they cannot be (no C compiler, not Linux x86-64)
     */
    public static String build(Path sources, Path out) throws IOException, InterruptedException {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")
                || !System.getProperty("os.arch", "").matches("amd64|x86_64")) {
            return "the fake CUDA libraries are built for Linux x86-64 only";
        }
        if (!Files.isRegularFile(sources.resolve("fakecuda.c"))) {
            return "no fake CUDA sources at " + sources.toAbsolutePath();
        }
        String cc = findCompiler();
        if (cc == null) {
            return "no C compiler (cc, gcc, clang) on PATH";
        }
        int n = cudaMajor();
        Path done = out.resolve("built-" + n);
        if (Files.exists(done) && Files.getLastModifiedTime(done).toMillis() >= newest(sources)) {
            return null;
        }
        Files.createDirectories(out);
        String dir = out.toAbsolutePath().toString();
        write(out.resolve("cudart.map"), "libcudart.so." + n + " { global: *; };\n");
        write(out.resolve("cublas.map"), "libcublas.so." + n + " { global: *; };\n");
        write(out.resolve("cublaslt.map"), "libcublasLt.so." + n + " { global: *; };\n");
        write(out.resolve("stub.c"), "int hvd4j_fake_stub(void) { return 0; }\n");
        String src = sources.toAbsolutePath().toString();
        cc(cc, "-o", dir + "/libcuda.so.1", "-Wl,-soname,libcuda.so.1", src + "/fakecuda.c", "-lpthread");
        // the runtime is never called: libjnicudart only needs the library and its version node
        cc(cc, "-o", dir + "/libcudart.so." + n, "-Wl,-soname,libcudart.so." + n,
                "-Wl,--version-script=" + dir + "/cudart.map", dir + "/stub.c");
        cc(cc, "-o", dir + "/libcublasLt.so." + n, "-Wl,-soname,libcublasLt.so." + n,
                "-Wl,--version-script=" + dir + "/cublaslt.map", dir + "/stub.c");
        cc(cc, "-o", dir + "/libcublas.so." + n, "-Wl,-soname,libcublas.so." + n,
                "-Wl,--version-script=" + dir + "/cublas.map", src + "/fakecublas.c", "-L" + dir, "-l:libcuda.so.1",
                "-lm", "-Wl,-rpath,$ORIGIN");
        cc(cc, "-o", dir + "/libnccl.so.2", "-Wl,-soname,libnccl.so.2", src + "/fakenccl.c", "-L" + dir,
                "-l:libcuda.so.1", "-Wl,-rpath,$ORIGIN");
        Path ptx = out.resolve("ptx/org/hvd4j/cuda/hvd4j_kernels.ptx");
        Files.createDirectories(ptx.getParent());
        write(ptx, """
                //
                // fake PTX for the fake driver: it knows these entries only
                //
                .version 8.0
                .target sm_80
                .address_size 64
                .visible .entry hvd_scale_f32(.param .u64 x, .param .f32 s, .param .u64 out, .param .u32 n) { ret; }
                .visible .entry hvd_fill_f32(.param .u64 out, .param .f32 value, .param .u32 n) { ret; }
                .visible .entry hvd_dropout_mask_f32(.param .u64 m, .param .u64 seed, .param .f32 p, .param .u32 n) { ret; }
                """);
        write(done, "ok\n");
        return null;
    }

    /** {@link #build}, skipping the calling test (JUnit assumption) when the fakes cannot be built. */
    public static Path buildOrSkip(Path sources, Path out) throws IOException, InterruptedException {
        String why = build(sources, out);
        org.junit.jupiter.api.Assumptions.assumeTrue(why == null, why);
        return out;
    }

    private static long newest(Path sources) throws IOException {
        long t = 0;
        try (var s = Files.list(sources)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                t = Math.max(t, Files.getLastModifiedTime(p).toMillis());
            }
        }
        return t;
    }

    private static String findCompiler() throws InterruptedException {
        for (String c : List.of("cc", "gcc", "clang")) {
            try {
                Process p = new ProcessBuilder(c, "--version").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return c;
                }
            } catch (IOException e) {
                // not there
            }
        }
        return null;
    }

    private static void cc(String cc, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(cc, "-shared", "-fPIC", "-O1", "-Wall", "-Werror"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("building a fake CUDA library failed: " + String.join(" ", cmd) + "\n" + out);
        }
    }

    private static void write(Path p, String text) throws IOException {
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    /** The test classpath (surefire's manifest-only jar hides it from java.class.path). */
    static String testClassPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    /**
     * Runs {@code mainClass} with {@code args} in a child JVM that loads the fakes in {@code libs}
     * (and the fake PTX ahead of any real one), with {@code env} added to the environment.
     */
    static Run run(Path libs, String mainClass, List<String> args, Map<String, String> env, int timeoutSeconds)
            throws IOException, InterruptedException {
        return run(libs, mainClass, args, env, timeoutSeconds, true);
    }

    /**
     * As above; with {@code fakePtx} false the child loads the real committed PTX (the fake driver
     * runs the fusion kernels hvd_pack_f32/hvd_unpack_f32 from it by name).
     */
    public static Run run(Path libs, String mainClass, List<String> args, Map<String, String> env, int timeoutSeconds,
                          boolean fakePtx) throws IOException, InterruptedException {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = (fakePtx ? libs.resolve("ptx").toAbsolutePath() + java.io.File.pathSeparator : "") + testClassPath();
        List<String> cmd = new ArrayList<>(List.of(javaBin, "-Xmx256m", "-XX:+UseSerialGC", "-Xshare:auto",
                "-cp", cp, mainClass));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        String ld = System.getenv("LD_LIBRARY_PATH");
        pb.environment().put("LD_LIBRARY_PATH", libs.toAbsolutePath() + (ld == null || ld.isEmpty() ? "" : ":" + ld));
        pb.environment().remove("CUDA_VISIBLE_DEVICES");
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[][] out = new byte[1][];
        Thread reader = new Thread(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = ("reading the child's output failed: " + e).getBytes(StandardCharsets.UTF_8);
            }
        });
        reader.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            reader.join(10_000);
            return new Run(-1, "timed out after " + timeoutSeconds + " s\n"
                    + (out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8)));
        }
        reader.join(10_000);
        return new Run(p.exitValue(), out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8));
    }
}
