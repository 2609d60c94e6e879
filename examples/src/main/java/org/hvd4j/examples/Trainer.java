package org.hvd4j.examples;

import java.util.ArrayList;
import java.util.List;
import org.hvd4j.allreduce.HvdRuntime;
import org.hvd4j.datasets.Batch;
import org.hvd4j.datasets.DataLoader;
import org.hvd4j.datasets.Dataset;
import org.hvd4j.datasets.DistributedSampler;
import org.hvd4j.datasets.hdf5.Hdf5Dataset;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.init.Rng;
import org.hvd4j.nn.io.TrainingState;
import org.hvd4j.nn.models.Models;
import org.hvd4j.nn.optim.Adam;
import org.hvd4j.nn.optim.GradClip;
import org.hvd4j.nn.optim.LossScaler;
import org.hvd4j.nn.optim.LrSchedule;
import org.hvd4j.nn.optim.LrScheduler;
import org.hvd4j.nn.optim.Optimizer;
import org.hvd4j.nn.optim.Sgd;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.Device;
import org.hvd4j.tensor.Shape;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.TensorScope;
import org.hvd4j.tensor.autograd.GradMode;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.hvd4j.tensor.ops.Losses;
import org.hvd4j.tensor.cuda.CudaBackend;
import org.hvd4j.tensor.cuda.CudaPrecision;
import org.hvd4j.tensor.ops.Reductions;

/**
 * The training loop of {@code train}: data loader → forward → cross-entropy → backward → optimizer
 * step, one {@link TensorScope} per step so that a warmed-up step allocates no tensor memory, then
 * evaluation on the test set after every epoch.
 *
 * <p>Seeds: {@code Rng.manualSeed(seed)} before the model is built fixes the initial weights; the
 * sampler shuffles with (seed, epoch). Both are the same on every rank, as the distributed runtime
 * requires.
 *
 * <p><b>Distributed</b> (Horovod's recipe): rank {@code r} of {@code N} trains on shard {@code r}
 * of every epoch ({@link DistributedSampler}); {@code --batch-size} is per rank; the learning rate
 * is scaled by {@code N} unless {@code --lr-scaling none}, and the warm-up starts from the
 * unscaled rate; the optimizer averages gradients over the ranks; every rank starts from rank
 * 0's weights; logged loss, accuracy and throughput are over all ranks; each rank evaluates a
 * shard of the test set and the results are summed.
 */
public final class Trainer {
    /** Steps excluded from the throughput figure by default (JIT compilation, pool warm-up). */
    public static final int WARMUP_STEPS = 20;
    private static final int EVAL_BATCH = 1000;
    private int untimedSteps = WARMUP_STEPS;

    private final TrainConfig cfg;
    private final Backend backend;
    private final LossScaler scaler;
    private final RankContext job;
    private final Module model;
    private final Optimizer optimizer;
    private final float baseLr;
    private TrainingState start;
    private TrainerHooks hooks = TrainerHooks.NONE;

    /** A single-process trainer. */
    public Trainer(TrainConfig cfg, Backend backend) {
        this(cfg, backend, null);
    }

    /** A trainer for one rank of the job {@code rt} belongs to (null: a single process). */
    public Trainer(TrainConfig cfg, Backend backend, HvdRuntime rt) {
        this.cfg = cfg.validate();
        this.backend = backend;
        this.job = rt == null ? RankContext.single() : RankContext.of(rt);
        Rng.manualSeed(cfg.seed());
        this.model = Models.create(cfg.model(), backend);
        this.baseLr = cfg.lrScaling().equals("linear") ? cfg.lr() * job.size() : cfg.lr();
        Optimizer local = makeOptimizer(cfg.withLr(baseLr), model);
        // fp16 GEMMs need dynamic loss scaling; inside the distributed optimizer it sees averaged gradients
        this.scaler = backend instanceof CudaBackend cb && cb.precision() == CudaPrecision.FP16
                ? new LossScaler(local) : null;
        this.optimizer = job.distribute(scaler != null ? scaler : local);
    }

    /** The dynamic loss scaler of an fp16 run, or null. */
    public LossScaler lossScaler() {
        return scaler;
    }

    public Module model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /**
     * Makes {@link #run} continue from {@code position} (a checkpoint's, loaded into the model and
     * optimizer on rank 0) instead of step 0: the same epoch, the same sampler order with the
     * batches already taken skipped, the schedule at the same global step. Other ranks need not
     * call it: {@link #run} sends rank 0's position (and dropout counters) to every rank.
     */
    public void startAt(TrainingState position) {
        this.start = position;
    }

    /** Called after every step and after every epoch's evaluation (checkpoints). */
    public void hooks(TrainerHooks h) {
        this.hooks = h;
    }

    /**
     * Steps, counted from the run's first, that the throughput figure leaves out (default {@link
     * #WARMUP_STEPS}): more shows the steady state once the JIT compiler has settled, which on a
     * small host takes about a thousand {@code mlp} steps. Training is the same either way.
     */
    public void untimedSteps(int steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("--untimed-steps must be >= 0, got " + steps);
        }
        this.untimedSteps = steps;
    }

    /** The hooks set so far ({@link TrainerHooks#NONE} at first). */
    public TrainerHooks hooks() {
        return hooks;
    }

    /** Makes every rank hold rank 0's weights, then evaluates on {@code test} (loss, accuracy). */
    public double[] evaluateOnly(Dataset test) {
        job.broadcastFromRoot(model, optimizer);
        return evaluate(test);
    }

    private TrainingState position(int epoch, int stepInEpoch, long globalStep, long totalSteps, int perEpoch) {
        boolean done = stepInEpoch >= perEpoch;
        return new TrainingState(done ? epoch + 1 : epoch, done ? 0 : stepInEpoch, globalStep, totalSteps, cfg.seed(),
                cfg.batchSize(), job.size(), cfg.shuffle(), cfg.model());
    }

    static Optimizer makeOptimizer(TrainConfig cfg, Module model) {
        List<Tensor> params = model.parameters();
        return switch (cfg.optimizer()) {
            case "sgd" -> new Sgd(params, cfg.lr(), cfg.momentum(), 0f, cfg.weightDecay(), false);
            case "adam" -> Adam.adam(params, cfg.lr(), 0.9f, 0.999f, 1e-8f, cfg.weightDecay());
            case "adamw" -> Adam.adamW(params, cfg.lr(), 0.9f, 0.999f, 1e-8f, cfg.weightDecay());
            default -> throw new IllegalArgumentException("unknown optimizer " + cfg.optimizer());
        };
    }

    /**
     * The schedule over {@code totalEpochs} (fractional when {@code --steps} ends mid-epoch): a
     * linear warm-up over the first {@code warmupEpochs}, then {@code constant}, {@code step}
     * (×0.1 at 50 % and 75 % of all epochs) or {@code cosine} (annealed to 0 over the epochs
     * after the warm-up). scripts/torch_train.py implements the same definitions.
     */
    static LrSchedule makeSchedule(TrainConfig cfg, double totalEpochs) {
        return makeSchedule(cfg, totalEpochs, 1);
    }

    /** The schedule for {@code ranks} ranks: Horovod's warm-up starts from {@code 1/ranks}. */
    static LrSchedule makeSchedule(TrainConfig cfg, double totalEpochs, int ranks) {
        double w = Math.min(cfg.warmupEpochs(), totalEpochs);
        LrSchedule s = switch (cfg.lrSchedule()) {
            case "constant" -> LrSchedule.constant();
            // milestones shifted because the inner schedule starts after the warm-up
            case "step" -> LrSchedule.multiStep(0.1, totalEpochs * 0.5 - w, totalEpochs * 0.75 - w);
            case "cosine" -> LrSchedule.cosine(Math.max(totalEpochs - w, 1e-9), 0.0);
            default -> throw new IllegalArgumentException("unknown schedule " + cfg.lrSchedule());
        };
        return LrSchedule.horovodWarmup(s, w, cfg.lrScaling().equals("linear") ? ranks : 1);
    }

    /** Batches the loader thread prepares ahead by default. */
    static final int PREFETCH = 2;

    /**
     * {@code --prefetch auto}: {@link #PREFETCH} batches on a loader thread, or none (each batch
     * assembled on the training thread) when the ranks' compute threads take every core of the
     * host and the data is in memory. Without a core of its own, the loader thread only preempts
     * a rank, and in a synchronous job every rank then waits for that one: with 2 ranks × 1
     * thread on 2 cores, {@code mlp} trained 0.9–5.0 % faster per rank without it (median 1.9 %,
     * 6 alternating runs), while one rank on 2 cores keeps it. A GPU rank, or data streamed from a
     * file (whose reads wait on I/O), keeps the thread.
     *
     * @param cpuInMemory    CPU compute on a data set held in memory
     * @param cores          cores this process may use
     * @param localRanks     ranks of the job on this host
     * @param threadsPerRank compute threads of each rank
     */
    static int prefetchFor(boolean cpuInMemory, int cores, int localRanks, int threadsPerRank) {
        return cpuInMemory && cores <= (long) localRanks * threadsPerRank ? 0 : PREFETCH;
    }

    private static boolean inMemory(Dataset d) {
        return !(d instanceof Hdf5Dataset h) || h.inMemory();
    }

    /** Trains on {@code train}, evaluating on {@code test} after each epoch. */
    public TrainResult run(Dataset train, Dataset test, ProgressReporter progress) {
        long start = System.nanoTime();
        job.broadcastFromRoot(model, optimizer);
        long[] at = job.broadcastStart(this.start, model); // {epoch, step in epoch, global step}, rank 0's
        DistributedSampler sampler = new DistributedSampler(train.size(), job.size(), job.rank(), cfg.seed(),
                cfg.shuffle(), false);
        List<EpochStats> history = new ArrayList<>();
        int prefetch = cfg.prefetch() != TrainConfig.PREFETCH_AUTO ? cfg.prefetch()
                : prefetchFor(backend.device().kind() == Device.Kind.CPU && inMemory(train),
                        Runtime.getRuntime().availableProcessors(), job.localSize(), CpuBackend.threads());
        try (DataLoader loader = new DataLoader(train, sampler, cfg.batchSize(), false, prefetch)) {
            int perEpoch = loader.numBatches();
            long totalSteps = cfg.steps() > 0 ? cfg.steps() : (long) perEpoch * cfg.epochs();
            int epochs = (int) ((totalSteps + perEpoch - 1) / perEpoch);
            LrScheduler scheduler = new LrScheduler(optimizer, baseLr,
                    makeSchedule(cfg, (double) totalSteps / perEpoch, job.size()), perEpoch);
            StepBuffers buf = new StepBuffers(cfg.batchSize());
            long step = at[2];
            int firstEpoch = (int) at[0];
            int skip = (int) Math.min(at[1], perEpoch);
            long timedNanos = 0;
            long timedSamples = 0;
            for (int e = firstEpoch; e < epochs && step < totalSteps; e++) {
                model.train();
                int first = e == firstEpoch ? skip : 0;
                int epochSteps = (int) Math.min(perEpoch, first + totalSteps - step);
                progress.startEpoch(e + 1, epochs, epochSteps);
                double lossSum = 0;
                long correct = 0;
                long seen = 0;
                long epochNanos = 0;
                float lr = optimizer.lr();
                try (DataLoader.Epoch it = loader.epoch(e)) {
                    for (int s = 0; s < first; s++) {
                        it.next(); // taken before the checkpoint this run resumed from: same order, skipped
                    }
                    for (int s = first; s < epochSteps; s++) {
                        long t0 = System.nanoTime();
                        Batch b = it.next();
                        lr = scheduler.apply(step);
                        float loss = trainStep(b, buf);
                        long dt = System.nanoTime() - t0;
                        epochNanos += dt;
                        if (step >= untimedSteps) {
                            timedNanos += dt;
                            timedSamples += b.size();
                        }
                        step++;
                        lossSum += (double) loss * b.size();
                        correct += buf.correct;
                        seen += b.size();
                        progress.step(s + 1, lossSum / seen, seen / (epochNanos * 1e-9));
                        if (s + 1 < epochSteps) {
                            hooks.afterStep(position(e, s + 1, step, totalSteps, perEpoch));
                        }
                    }
                }
                double[] eval = evaluate(test);
                double[] g = {lossSum, correct, seen, seen / (epochNanos * 1e-9)};
                job.sum(g);
                EpochStats st = new EpochStats(e + 1, epochSteps - first, g[0] / g[2], g[1] / g[2], eval[0], eval[1], g[3],
                        lr);
                history.add(st);
                progress.endEpoch(st);
                hooks.afterEpoch(position(e, epochSteps, step, totalSteps, perEpoch), st);
            }
            double[] sps = {timedSamples > 0 ? timedSamples / (timedNanos * 1e-9) : Double.NaN};
            job.sum(sps);
            // a run resumed at its end trains nothing: report the weights it has
            double[] fin = history.isEmpty() ? evaluate(test)
                    : new double[] {history.get(history.size() - 1).testLoss(), history.get(history.size() - 1).testAccuracy()};
            return new TrainResult(history, step, sps[0], fin[1], fin[0],
                    (System.nanoTime() - start) * 1e-9, ParameterDigest.of(model));
        }
    }

    /** Host-side buffers reused across steps (no per-step garbage). */
    private static final class StepBuffers {
        final int[] predictions;
        final float[] loss = new float[1];
        long correct;

        StepBuffers(int batch) {
            predictions = new int[Math.max(batch, EVAL_BATCH)];
        }
    }

    private float trainStep(Batch b, StepBuffers buf) {
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = input(b, b.size());
            Tensor y = labels(b, b.size());
            optimizer.zeroGrad();
            Tensor logits = model.forward(x);
            Tensor loss = Losses.crossEntropy(logits, y, cfg.labelSmoothing());
            if (scaler != null) {
                loss.backward(Tensor.full(backend, scaler.scale(), loss.shape().dims()));
            } else {
                loss.backward();
            }
            if (cfg.clipGradNorm() > 0) {
                job.synchronize(optimizer); // clip the averaged gradients, not ones still in flight
                if (scaler != null) {
                    scaler.unscale();
                }
                GradClip.clipGradNorm(optimizer.parameters(), cfg.clipGradNorm());
            }
            optimizer.step();
            buf.correct = countCorrect(logits, b, b.size(), buf.predictions);
            backend.copyOut(loss, 0, buf.loss, 0, 1);
            return buf.loss[0];
        }
    }

    /** The first {@code n} samples of {@code b} as the model's input tensor. */
    private Tensor input(Batch b, int n) {
        int[] dims = Models.takesImages(cfg.model())
                ? new int[] {n, 1, 28, 28}
                : new int[] {n, b.featureSize()};
        Tensor x = Tensor.empty(backend, DType.FLOAT32, Shape.of(dims));
        backend.copyIn(b.features(), 0, x, 0, n * b.featureSize());
        return x;
    }

    private Tensor labels(Batch b, int n) {
        Tensor y = Tensor.empty(backend, DType.INT32, Shape.of(n));
        backend.copyIn(b.labels(), 0, y, 0, n);
        return y;
    }

    private long countCorrect(Tensor logits, Batch b, int n, int[] predictions) {
        Tensor pred = Reductions.argmax(logits, 1);
        backend.copyOut(pred, 0, predictions, 0, n);
        int[] labels = b.labels();
        long c = 0;
        for (int i = 0; i < n; i++) {
            if (predictions[i] == labels[i]) {
                c++;
            }
        }
        return c;
    }

    /**
     * Mean loss and accuracy over {@code test} in evaluation mode, without recording a graph.
     * Each rank evaluates positions {@code r, r+N, ...} of the test set (nothing padded or counted
     * twice) and the sums are added over the ranks.
     */
    public double[] evaluate(Dataset test) {
        model.eval();
        double lossSum = 0;
        long correct = 0;
        int mine = (test.size() - job.rank() + job.size() - 1) / job.size();
        StepBuffers buf = new StepBuffers(EVAL_BATCH);
        try (GradMode.Guard ignored = GradMode.noGrad();
             DataLoader loader = new DataLoader(test, new DistributedSampler(test.size(), job.size(), job.rank(), 0, false,
                     false), EVAL_BATCH, false, 0);
             DataLoader.Epoch it = loader.epoch(0)) {
            Batch b;
            int done = 0;
            while ((b = it.next()) != null && done < mine) {
                int n = Math.min(b.size(), mine - done); // the sampler pads the last rank's shard: skip the padding
                done += n;
                try (TensorScope scope = TensorScope.open()) {
                    Tensor logits = model.forward(input(b, n));
                    Tensor loss = Losses.crossEntropy(logits, labels(b, n), 0f);
                    backend.copyOut(loss, 0, buf.loss, 0, 1);
                    lossSum += (double) buf.loss[0] * n;
                    correct += countCorrect(logits, b, n, buf.predictions);
                }
            }
        } finally {
            model.train();
        }
        double[] sums = {lossSum, correct};
        job.sum(sums);
        return new double[] {sums[0] / test.size(), sums[1] / test.size()};
    }
}
