package org.hvd4j.examples;

import java.util.List;

/**
 * The outcome of a run.
 *
 * @param epochs        per-epoch metrics
 * @param steps         optimizer steps taken
 * @param samplesPerSec training throughput after the first {@link Trainer#untimedSteps} steps
 *                      (NaN when the run was shorter)
 * @param testAccuracy  final test accuracy
 * @param testLoss      final test loss
 * @param wallSeconds   wall time of the whole run, evaluation included
 * @param parametersSha256 {@link ParameterDigest} of the final weights
 */
public record TrainResult(List<EpochStats> epochs, long steps, double samplesPerSec, double testAccuracy,
                          double testLoss, double wallSeconds, String parametersSha256) {
}
