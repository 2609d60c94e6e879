package org.hvd4j.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.hvd4j.tensor.cuda.CudaBackend;
import org.hvd4j.tensor.cuda.Devices;

/**
 * SGEMM throughput over the shapes of the built-in models ({@code M×N×K}, row-major,
 * {@code C = A·B}); prints GFLOP/s = 2·M·N·K / time. On CUDA the clock stops after the stream
 * has drained, and 4096³ is added (the comparison with {@code torch.matmul}). Usage:
 * {@code GemmBench [[--threads] N] [--device cpu|cuda|cuda:N|emulated-cuda] [--precision tf32|fp32|bf16|fp16]}.
 */
public final class GemmBench {
    private GemmBench() {
    }

    private static int positive(String s) {
        int n;
        try {
            n = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' is not a thread count");
        }
        if (n < 1) {
            throw new IllegalArgumentException("thread count " + n + " must be at least 1");
        }
        return n;
    }

    public static void main(String[] args) {
        String device = "cpu";
        String precision = null;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--device" -> device = args[++i];
                    case "--precision" -> precision = args[++i];
                    case "--threads" -> CpuBackend.setThreads(positive(args[++i]));
                    default -> CpuBackend.setThreads(positive(args[i]));
                }
            }
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            System.err.println("gemm-bench: usage: gemm-bench [[--threads] N] [--device cpu|cuda|cuda:N|emulated-cuda] "
                    + "[--precision tf32|fp32|bf16|fp16]" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
            System.exit(2);
            return;
        }
        Backend be;
        try {
            be = Devices.open(device, precision, 0, 1);
        } catch (IllegalArgumentException | org.hvd4j.cuda.CudaUnavailableException e) {
            System.err.println("gemm-bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        CudaBackend cuda = be instanceof CudaBackend c ? c : null;
        List<int[]> shapes = new ArrayList<>(List.of(
            new int[] {128, 512, 784}, new int[] {128, 256, 512}, new int[] {128, 10, 256}, // mlp forward
            new int[] {512, 784, 128}, new int[] {128, 784, 512},                           // mlp weight / input grads
            new int[] {32, 784, 25}, new int[] {64, 196, 800}, new int[] {800, 196, 64},    // cnn conv1, conv2, col grad
            new int[] {128, 1024, 3136}, new int[] {1024, 3136, 128},                       // cnn fc1 fwd / weight grad
            new int[] {1024, 1024, 1024}));
        if (cuda != null) {
            shapes.add(new int[] {4096, 4096, 4096});
        }
        System.out.printf(Locale.ROOT, "%s%n%6s %6s %6s %10s %10s%n", cuda == null ? "cpu, threads " + CpuBackend.threads()
                : Devices.describe(be), "M", "N", "K", "time_us", "GFLOP/s");
        try {
            for (int[] s : shapes) {
                int m = s[0];
                int n = s[1];
                int k = s[2];
                Tensor a = Tensor.full(be, 0.5f, m, k);
                Tensor b = Tensor.full(be, 0.25f, k, n);
                Tensor c = Tensor.zeros(be, m, n);
                double flop = 2.0 * m * n * k;
                double budget = cuda != null && cuda.driver().name().equals("cuda") ? 2e12 : 2e9;
                int reps = (int) Math.max(5, Math.min(2000, budget / flop));
                for (int i = 0; i < reps; i++) {
                    be.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
                }
                sync(cuda);
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    be.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
                }
                sync(cuda);
                double sec = (System.nanoTime() - t0) * 1e-9 / reps;
                System.out.printf(Locale.ROOT, "%6d %6d %6d %10.1f %10.1f%n", m, n, k, sec * 1e6, flop / sec * 1e-9);
            }
        } finally {
            if (cuda != null) {
                cuda.close();
            }
        }
    }

    private static void sync(CudaBackend cuda) {
        if (cuda != null) {
            cuda.synchronize();
        }
    }
}
