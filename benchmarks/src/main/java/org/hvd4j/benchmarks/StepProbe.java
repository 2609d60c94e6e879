package org.hvd4j.benchmarks;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.hvd4j.allreduce.DistributedOptimizer;
import org.hvd4j.allreduce.Hvd;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.allreduce.comm.Communicator;
import org.hvd4j.allreduce.comm.Pieces;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.init.Rng;
import org.hvd4j.nn.models.Models;
import org.hvd4j.nn.optim.Optimizer;
import org.hvd4j.nn.optim.Sgd;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.TensorScope;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.hvd4j.tensor.ops.Losses;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code step-probe}: where a data-parallel step's time goes. Each rank trains a built-in model
 * on one random batch (SGD, lr 0.01, 1 CPU thread by default) and times every step in three
 * phases: forward + backward, the synchronisation after it, and the optimizer update. The
 * synchronisation depends on {@code --mode}:
 * <ul>
 *   <li>{@code alone}: none (the ranks of a job run side by side without communicating: what the
 *       host allows);</li>
 *   <li>{@code barrier}: {@code Hvd.barrier()} (lockstep and negotiation, no data);</li>
 *   <li>{@code dist}: {@link DistributedOptimizer#synchronize()} (the real exchange);</li>
 *   <li>{@code raw}: every gradient summed by this thread straight on the job's communicator, in
 *       parameter order, with no negotiation or agreement (the lower bound of an exchange).</li>
 * </ul>
 * Every rank prints median, mean and tail percentiles over the second half of the steps; the
 * mean per step against one rank's {@code alone} is the scaling efficiency of that mode.
 */
@Command(name = "step-probe", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Per-step phase times (forward+backward, sync, update) of a data-parallel step.")
public final class StepProbe implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", description = "mlp, cnn or cnn-bn (default: ${DEFAULT-VALUE})", defaultValue = "mlp")
    String model;

    @Option(names = "--mode", description = "alone, barrier, dist or raw (default: ${DEFAULT-VALUE})", defaultValue = "dist")
    String mode;

    @Option(names = "--steps", description = "steps; the second half is reported (default: ${DEFAULT-VALUE})",
            defaultValue = "4000")
    int steps;

    @Option(names = "--batch-size", description = "samples per batch and rank (default: ${DEFAULT-VALUE})",
            defaultValue = "128")
    int batchSize;

    @Option(names = "--threads", description = "CPU threads per rank (default: ${DEFAULT-VALUE})", defaultValue = "1")
    int threads;

    public static void main(String[] args) {
        int code = new CommandLine(new StepProbe()).execute(args);
        Hvd.shutdown();
        System.exit(code);
    }

    @Override
    public Integer call() {
        if (!Models.NAMES.contains(model) || !Arrays.asList("alone", "barrier", "dist", "raw").contains(mode) || steps < 2
                || batchSize < 1 || threads < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--model must be one of " + Models.NAMES
                    + ", --mode alone, barrier, dist or raw, --steps >= 2, --batch-size and --threads >= 1");
        }
        Hvd.init();
        CpuBackend.setThreads(threads);
        Backend be = CpuBackend.get();
        Rng.manualSeed(42);
        Module m = Models.create(model, be);
        Optimizer inner = new Sgd(m.parameters(), 0.01f, 0f, 0f, 0f, false);
        DistributedOptimizer dist = mode.equals("dist") ? DistributedOptimizer.wrap(inner) : null;
        Optimizer opt = dist != null ? dist : inner;
        Hvd.broadcastParameters(m, 0);
        Tensor[] batch = SyntheticBench.randomBatch(be, model, batchSize, Hvd.rank()); // the same batch as synthetic's
        long[][] phases = new long[4][steps]; // forward+backward, sync, update, whole step
        for (int s = 0; s < steps; s++) {
            try (TensorScope scope = TensorScope.open()) {
                long t0 = System.nanoTime();
                opt.zeroGrad();
                Losses.crossEntropy(m.forward(batch[0]), batch[1], 0f).backward();
                long t1 = System.nanoTime();
                if (dist != null) {
                    dist.synchronize();
                } else if (mode.equals("barrier")) {
                    Hvd.barrier();
                } else if (mode.equals("raw")) {
                    rawExchange(m);
                }
                long t2 = System.nanoTime();
                opt.step();
                long t3 = System.nanoTime();
                phases[0][s] = t1 - t0;
                phases[1][s] = t2 - t1;
                phases[2][s] = t3 - t2;
                phases[3][s] = t3 - t0;
            }
        }
        String[] names = {"forward+backward", "sync", "update", "step"};
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "step-probe: %s, mode %s, rank %d of %d, "
                + "steps %d-%d of %d, µs:%n", model, mode, Hvd.rank(), Hvd.size(), steps / 2, steps, steps));
        for (int p = 0; p < names.length; p++) {
            b.append(String.format(Locale.ROOT, "  %-17s %s%n", names[p], summary(phases[p], steps / 2)));
        }
        System.out.print(b);
        return 0;
    }

    /** Every gradient summed in place on the communicator by this thread: no engine, no negotiation. */
    private static void rawExchange(Module m) {
        Communicator comm = Hvd.runtime().communicator();
        for (Tensor p : m.parameters()) {
            Tensor g = p.grad();
            comm.allreduce(g.backend().hostBytes(g), DType.FLOAT32, Reduction.SUM, Pieces.balanced(g.numel(), comm.size()));
        }
    }

    /** Median, mean and tail percentiles of {@code v[from..]} in microseconds. */
    static String summary(long[] v, int from) {
        long[] w = Arrays.copyOfRange(v, from, v.length);
        Arrays.sort(w);
        double mean = Arrays.stream(w).average().orElse(Double.NaN);
        return String.format(Locale.ROOT, "median %7.0f  mean %7.0f  p90 %7.0f  p95 %7.0f  p99 %7.0f", at(w, 0.5) / 1e3,
                mean / 1e3, at(w, 0.9) / 1e3, at(w, 0.95) / 1e3, at(w, 0.99) / 1e3);
    }

    private static double at(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))];
    }
}
