package org.hvd4j.examples;

/**
 * Metrics of one epoch (or of the partial epoch where {@code --steps} ended the run).
 *
 * @param epoch          1-based epoch number
 * @param steps          optimizer steps in this epoch
 * @param trainLoss      mean training loss over the epoch's samples
 * @param trainAccuracy  fraction of training samples classified correctly (in training mode)
 * @param testLoss       mean test loss
 * @param testAccuracy   fraction of test samples classified correctly
 * @param samplesPerSec  training samples per second in this epoch (steps only, no evaluation)
 * @param lr             learning rate at the last step of the epoch
 */
public record EpochStats(int epoch, int steps, double trainLoss, double trainAccuracy, double testLoss,
                         double testAccuracy, double samplesPerSec, double lr) {
}
