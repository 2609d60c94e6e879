package org.hvd4j.benchmarks;

import java.util.Locale;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;

/**
 * SGEMM throughput of the CPU backend over the shapes of the built-in models ({@code M×N×K},
 * row-major, {@code C = A·B}); prints GFLOP/s = 2·M·N·K / time. Usage:
 * {@code GemmBench [threads]}.
 */
public final class GemmBench {
    private GemmBench() {
    }

    public static void main(String[] args) {
        if (args.length > 0) {
            CpuBackend.setThreads(Integer.parseInt(args[0]));
        }
        Backend be = CpuBackend.get();
        int[][] shapes = {
            {128, 512, 784}, {128, 256, 512}, {128, 10, 256}, // mlp forward
            {512, 784, 128}, {128, 784, 512},                 // mlp weight / input gradients
            {32, 784, 25}, {64, 196, 800}, {800, 196, 64},    // cnn conv1, conv2 fwd, conv2 col grad
            {128, 1024, 3136}, {1024, 3136, 128},             // cnn fc1 forward / weight grad
            {1024, 1024, 1024},
        };
        System.out.printf(Locale.ROOT, "threads %d%n%6s %6s %6s %10s %10s%n", CpuBackend.threads(),
                "M", "N", "K", "time_us", "GFLOP/s");
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            Tensor a = Tensor.full(be, 0.5f, m, k);
            Tensor b = Tensor.full(be, 0.25f, k, n);
            Tensor c = Tensor.zeros(be, m, n);
            double flop = 2.0 * m * n * k;
            int reps = (int) Math.max(5, Math.min(2000, 2e9 / flop));
            for (int i = 0; i < reps; i++) {
                be.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                be.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
            }
            double sec = (System.nanoTime() - t0) * 1e-9 / reps;
            System.out.printf(Locale.ROOT, "%6d %6d %6d %10.1f %10.1f%n", m, n, k, sec * 1e6, flop / sec * 1e-9);
        }
    }
}
