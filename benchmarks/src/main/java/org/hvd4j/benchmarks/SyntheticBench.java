package org.hvd4j.benchmarks;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.DoubleStream;
import org.hvd4j.allreduce.DistributedOptimizer;
import org.hvd4j.allreduce.Hvd;
import org.hvd4j.examples.DeviceOptions;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.init.Rng;
import org.hvd4j.nn.models.Models;
import org.hvd4j.nn.optim.Optimizer;
import org.hvd4j.nn.optim.Sgd;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.TensorScope;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.hvd4j.tensor.cpu.CpuThreads;
import org.hvd4j.tensor.cuda.CudaBackend;
import org.hvd4j.tensor.cuda.Devices;
import org.hvd4j.tensor.ops.Losses;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code synthetic}: Horovod's synthetic benchmark ({@code pytorch_synthetic_benchmark.py}) for
 * the built-in models: one random batch held in memory, forward, cross-entropy, backward and a
 * {@link DistributedOptimizer} SGD step (lr 0.01), as one rank of the job it runs in. After
 * {@code --warmup} untimed batches, {@code --iters} iterations of {@code --batches-per-iter}
 * batches are timed; each iteration's rate is {@code batch × batches-per-iter / seconds}, and
 * the result is their mean ± 1.96 σ (population σ, as Horovod's {@code np.std}), per worker and,
 * times the number of workers, in total. Rank 0 prints and writes {@code --json}.
 */
@Command(name = "synthetic", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Horovod's synthetic benchmark: images/s of a training step on random data.")
public final class SyntheticBench implements Callable<Integer> {
    @Option(names = "--model", description = "mlp, cnn or cnn-bn (default: ${DEFAULT-VALUE})", defaultValue = "mlp")
    String model;

    @Option(names = "--batch-size", description = "images per batch and worker (default: ${DEFAULT-VALUE})",
            defaultValue = "32")
    int batchSize;

    @Option(names = "--warmup", description = "untimed batches first (default: ${DEFAULT-VALUE})", defaultValue = "10")
    int warmup;

    @Option(names = "--iters", description = "timed iterations (default: ${DEFAULT-VALUE})", defaultValue = "10")
    int iters;

    @Option(names = "--batches-per-iter", description = "batches per iteration (default: ${DEFAULT-VALUE})",
            defaultValue = "10")
    int batchesPerIter;

    @Option(names = "--threads", description = "CPU threads, 0 = cores / local processes (default: ${DEFAULT-VALUE})",
            defaultValue = "0")
    int threads;

    @CommandLine.Mixin
    DeviceOptions devices = new DeviceOptions();

    @Option(names = "--json", paramLabel = "FILE", description = "also write the result as one JSON object")
    Path json;

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        Hvd.shutdown();
        System.exit(code);
    }

    /** The program's command line: usage errors, bad option combinations and no GPU exit 2. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new SyntheticBench());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // a bad option combination or no usable GPU: the message, not a stack trace
            if (ex instanceof IllegalArgumentException || ex instanceof org.hvd4j.cuda.CudaUnavailableException) {
                cmd.getErr().println("synthetic: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cli;
    }

    /** The result: per-iteration rates and the summary over them. */
    record Result(double[] rates, double mean, double conf, int workers) {
        static Result of(double[] rates, int workers) {
            double mean = DoubleStream.of(rates).average().orElse(Double.NaN);
            double var = DoubleStream.of(rates).map(r -> (r - mean) * (r - mean)).average().orElse(Double.NaN);
            return new Result(rates, mean, 1.96 * Math.sqrt(var), workers);
        }
    }

    @Override
    public Integer call() throws IOException {
        if (!Models.NAMES.contains(model)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--model must be one of " + Models.NAMES);
        }
        if (batchSize < 1 || iters < 1 || batchesPerIter < 1 || warmup < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--batch-size, --iters and --batches-per-iter must be >= 1 and --warmup >= 0");
        }
        Hvd.init();
        CpuBackend.setThreads(threads > 0 ? threads : CpuThreads.defaultThreads());
        Backend be = devices.open(Hvd.localRank(), Hvd.localSize());
        CudaBackend cuda = be instanceof CudaBackend c ? c : null;
        try {
            return run(be, cuda);
        } finally {
            if (cuda != null) {
                cuda.close();
            }
        }
    }

    private int run(Backend be, CudaBackend cuda) throws IOException {
        PrintStream out = Hvd.rank() == 0 ? System.out : new PrintStream(OutputStream.nullOutputStream());
        Rng.manualSeed(42);
        Module m = Models.create(model, be);
        Optimizer opt = DistributedOptimizer.wrap(new Sgd(m.parameters(), 0.01f, 0f, 0f, 0f, false));
        Hvd.broadcastParameters(m, 0);
        Hvd.broadcastOptimizerState(opt, 0);
        Tensor[] batch = randomBatch(be, model, batchSize, Hvd.rank());

        out.println("Model: " + model);
        out.println("Batch size: " + batchSize);
        out.println("Number of workers: " + Hvd.size() + (cuda == null ? " (CPU, " + CpuBackend.threads() + " threads each)"
                : " (" + Devices.describe(be) + ")"));
        out.println("Running warmup...");
        for (int i = 0; i < warmup; i++) {
            step(m, opt, batch);
        }
        if (cuda != null) {
            cuda.synchronize();
        }
        out.println("Running benchmark...");
        double[] rates = new double[iters];
        for (int it = 0; it < iters; it++) {
            long t0 = System.nanoTime();
            for (int b = 0; b < batchesPerIter; b++) {
                step(m, opt, batch);
            }
            if (cuda != null) {
                cuda.synchronize(); // the GPU runs behind the host: time what it has finished
            }
            rates[it] = (double) batchSize * batchesPerIter / ((System.nanoTime() - t0) * 1e-9);
            out.printf(Locale.ROOT, "Iter #%d: %.1f img/sec per worker%n", it, rates[it]);
        }
        Result r = Result.of(rates, Hvd.size());
        out.printf(Locale.ROOT, "Img/sec per worker: %.1f +-%.1f%n", r.mean(), r.conf());
        out.printf(Locale.ROOT, "Total img/sec on %d worker(s): %.1f +-%.1f%n", r.workers(), r.workers() * r.mean(),
                r.workers() * r.conf());
        if (Hvd.rank() == 0 && json != null) {
            Files.writeString(json, json(r));
        }
        return 0;
    }

    private String json(Result r) {
        return String.format(Locale.ROOT, "{\"model\": \"%s\", \"batch_size\": %d, \"workers\": %d, \"threads\": %d, "
                + "\"warmup\": %d, \"iters\": %d, \"batches_per_iter\": %d, \"img_sec_per_worker\": %.2f, "
                + "\"img_sec_per_worker_conf\": %.2f, \"total_img_sec\": %.2f, \"total_img_sec_conf\": %.2f, "
                + "\"iter_img_sec\": [%s]}%n", model, batchSize, r.workers(), CpuBackend.threads(), warmup, iters,
                batchesPerIter, r.mean(), r.conf(), r.workers() * r.mean(), r.workers() * r.conf(),
                DoubleStream.of(r.rates()).mapToObj(v -> String.format(Locale.ROOT, "%.2f", v))
                        .collect(Collectors.joining(", ")));
    }

    /** Images (uniform in [-1, 1), {@code model}'s input shape) and labels (uniform classes), seeded by rank. */
    static Tensor[] randomBatch(Backend be, String model, int batchSize, int rank) {
        SplittableRandom rnd = new SplittableRandom(1234 + rank);
        float[] x = new float[batchSize * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        int[] y = new int[batchSize];
        for (int i = 0; i < y.length; i++) {
            y[i] = rnd.nextInt(10);
        }
        Tensor images = Models.takesImages(model) ? Tensor.of(be, x, batchSize, 1, 28, 28) : Tensor.of(be, x, batchSize,
                784);
        return new Tensor[] {images, Tensor.ofInts(be, y, batchSize)};
    }

    private static void step(Module m, Optimizer opt, Tensor[] batch) {
        try (TensorScope scope = TensorScope.open()) {
            opt.zeroGrad();
            Tensor loss = Losses.crossEntropy(m.forward(batch[0]), batch[1], 0f);
            loss.backward();
            opt.step();
        }
    }
}
