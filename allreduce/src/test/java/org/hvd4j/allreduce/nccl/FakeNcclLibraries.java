package org.hvd4j.allreduce.nccl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Builds the native module's fake CUDA libraries ({@code native/src/test/c}: driver, cuBLAS and NCCL
 * fakes, see native's {@code FakeCuda}) and runs a main class in a child JVM that loads them, so
 * that {@link NcclCommunicator} runs over the real JavaCPP binding without a GPU.
 */
final class FakeNcclLibraries {
    private FakeNcclLibraries() {
    }

    record Run(int exitCode, String output) {
    }

    /** Null when the fakes are in {@code out}, else why they cannot be built. */
    static String build(Path sources, Path out, int cudaMajor) throws IOException, InterruptedException {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")
                || !System.getProperty("os.arch", "").matches("amd64|x86_64")) {
            return "the fake CUDA libraries are built for Linux x86-64 only";
        }
        if (!Files.isRegularFile(sources.resolve("fakenccl.c"))) {
            return "no fake CUDA sources at " + sources.toAbsolutePath();
        }
        String cc = null;
        for (String c : List.of("cc", "gcc", "clang")) {
            try {
                Process p = new ProcessBuilder(c, "--version").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    cc = c;
                    break;
                }
            } catch (IOException e) {
                // not there
            }
        }
        if (cc == null) {
            return "no C compiler (cc, gcc, clang) on PATH";
        }
        Files.createDirectories(out);
        String d = out.toAbsolutePath().toString();
        String s = sources.toAbsolutePath().toString();
        int n = cudaMajor;
        Files.writeString(out.resolve("stub.c"), "int hvd4j_fake_stub(void) { return 0; }\n");
        for (String lib : List.of("cudart", "cublas", "cublasLt")) {
            Files.writeString(out.resolve(lib + ".map"), "lib" + lib + ".so." + n + " { global: *; };\n");
        }
        cc(cc, "-o", d + "/libcuda.so.1", "-Wl,-soname,libcuda.so.1", s + "/fakecuda.c", "-lpthread");
        cc(cc, "-o", d + "/libcudart.so." + n, "-Wl,-soname,libcudart.so." + n, "-Wl,--version-script=" + d
                + "/cudart.map", d + "/stub.c");
        cc(cc, "-o", d + "/libcublasLt.so." + n, "-Wl,-soname,libcublasLt.so." + n, "-Wl,--version-script=" + d
                + "/cublasLt.map", d + "/stub.c");
        cc(cc, "-o", d + "/libcublas.so." + n, "-Wl,-soname,libcublas.so." + n, "-Wl,--version-script=" + d
                + "/cublas.map", s + "/fakecublas.c", "-L" + d, "-l:libcuda.so.1", "-lm", "-Wl,-rpath,$ORIGIN");
        cc(cc, "-o", d + "/libnccl.so.2", "-Wl,-soname,libnccl.so.2", s + "/fakenccl.c", "-L" + d, "-l:libcuda.so.1",
                "-Wl,-rpath,$ORIGIN");
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

    /** Runs a main class with arguments in a child JVM whose dynamic linker finds the fakes in {@code libs} first. */
    static Run run(Path libs, Map<String, String> env, int timeoutSeconds, String... mainAndArgs)
            throws IOException, InterruptedException {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        List<String> cmd = new ArrayList<>(List.of(javaBin, "-Xmx256m", "-XX:+UseSerialGC", "-cp", cp));
        cmd.addAll(List.of(mainAndArgs));
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
        boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        reader.join(10_000);
        String text = out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8);
        return done ? new Run(p.exitValue(), text) : new Run(-1, "timed out after " + timeoutSeconds + " s\n" + text);
    }
}
