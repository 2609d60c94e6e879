package org.hvd4j.examples;

import java.nio.file.Path;

/**
 * Everything one training run depends on. {@link #validate()} rejects impossible values with a
 * message naming the option.
 *
 * @param model          {@code mlp}, {@code cnn} or {@code cnn-bn}
 * @param epochs         passes over the training set (ignored when {@code steps > 0})
 * @param steps          total optimizer steps; 0 = run {@code epochs} full epochs
 * @param batchSize      samples per step
 * @param optimizer      {@code sgd}, {@code adam} or {@code adamw}
 * @param lr             base learning rate
 * @param momentum       SGD momentum (β1 for Adam is fixed at 0.9)
 * @param weightDecay    L2 (SGD, Adam) or decoupled (AdamW) weight decay
 * @param lrSchedule     {@code constant}, {@code step} (×0.1 at 50 % and 75 % of the epochs) or
 *                       {@code cosine} (per step, to 0)
 * @param warmupEpochs   linear warm-up epochs (Horovod's recipe; see {@code LrSchedule.horovodWarmup})
 * @param labelSmoothing cross-entropy label smoothing
 * @param clipGradNorm   clip gradients to this global L2 norm; 0 = off
 * @param seed           seeds initialisation, shuffling and dropout
 * @param threads        CPU threads; 0 = cores ÷ local processes
 * @param shuffle        shuffle the training set each epoch
 * @param dataDir        directory holding the Fashion-MNIST files, or null to search
 * @param download       allow downloading Fashion-MNIST when it is found nowhere
 * @param summaryJson    file for the one-object JSON summary, or null
 * @param prefetch       batches prepared ahead by the loader thread, or {@link #PREFETCH_AUTO}
 * @param lrScaling      {@code linear}: the learning rate is multiplied by the number of ranks
 *                       (Horovod's recipe, with the warm-up starting from the unscaled rate);
 *                       {@code none}: used as given
 */
public record TrainConfig(String model, int epochs, int steps, int batchSize, String optimizer, float lr,
                          float momentum, float weightDecay, String lrSchedule, double warmupEpochs,
                          float labelSmoothing, double clipGradNorm, long seed, int threads, boolean shuffle,
                          Path dataDir, boolean download, Path summaryJson, int prefetch, String lrScaling) {
    /**
     * {@code prefetch}: the trainer decides ({@link Trainer#prefetchFor}): a loader thread unless
     * it would only take a core from the ranks' compute.
     */
    public static final int PREFETCH_AUTO = -1;

    /** A configuration with linear learning-rate scaling. */
    public TrainConfig(String model, int epochs, int steps, int batchSize, String optimizer, float lr, float momentum,
                       float weightDecay, String lrSchedule, double warmupEpochs, float labelSmoothing,
                       double clipGradNorm, long seed, int threads, boolean shuffle, Path dataDir, boolean download,
                       Path summaryJson, int prefetch) {
        this(model, epochs, steps, batchSize, optimizer, lr, momentum, weightDecay, lrSchedule, warmupEpochs,
                labelSmoothing, clipGradNorm, seed, threads, shuffle, dataDir, download, summaryJson, prefetch, "linear");
    }
    /** A copy with another base learning rate. */
    public TrainConfig withLr(float rate) {
        return new TrainConfig(model, epochs, steps, batchSize, optimizer, rate, momentum, weightDecay, lrSchedule,
                warmupEpochs, labelSmoothing, clipGradNorm, seed, threads, shuffle, dataDir, download, summaryJson,
                prefetch, lrScaling);
    }

    /** @throws IllegalArgumentException naming the first bad option */
    public TrainConfig validate() {
        require(org.hvd4j.nn.models.Models.NAMES.contains(model),
                "--model must be one of " + org.hvd4j.nn.models.Models.NAMES + ", got '" + model + "'");
        require(epochs > 0, "--epochs must be > 0, got " + epochs);
        require(steps >= 0, "--steps must be >= 0, got " + steps);
        require(batchSize > 0, "--batch-size must be > 0, got " + batchSize);
        require(java.util.List.of("sgd", "adam", "adamw").contains(optimizer),
                "--optimizer must be sgd, adam or adamw, got '" + optimizer + "'");
        require(lr > 0 && Float.isFinite(lr), "--lr must be > 0, got " + lr);
        require(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), got " + momentum);
        require(weightDecay >= 0, "--weight-decay must be >= 0, got " + weightDecay);
        require(java.util.List.of("constant", "step", "cosine").contains(lrSchedule),
                "--lr-schedule must be constant, step or cosine, got '" + lrSchedule + "'");
        require(warmupEpochs >= 0, "--warmup-epochs must be >= 0, got " + warmupEpochs);
        require(labelSmoothing >= 0 && labelSmoothing < 1, "--label-smoothing must be in [0, 1), got " + labelSmoothing);
        require(clipGradNorm >= 0, "--clip-grad-norm must be >= 0, got " + clipGradNorm);
        require(threads >= 0, "--threads must be >= 0, got " + threads);
        require(prefetch >= PREFETCH_AUTO, "--prefetch must be auto or >= 0, got " + prefetch);
        require(java.util.List.of("linear", "none").contains(lrScaling),
                "--lr-scaling must be linear or none, got '" + lrScaling + "'");
        return this;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
