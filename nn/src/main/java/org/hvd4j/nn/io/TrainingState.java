package org.hvd4j.nn.io;

/**
 * Where a training run stands, stored in a checkpoint's root attributes.
 *
 * <p>The next step to take is step {@code stepInEpoch} (0-based) of epoch {@code epoch} (0-based,
 * = the number of completed epochs), and {@code globalStep} steps have been taken in all; the
 * learning-rate schedule is a function of {@code globalStep}. The data order of an epoch is a
 * pure function of (seed, epoch) (the sampler's), so the sampler's position is
 * {@code (seed, epoch, stepInEpoch × batchSize)} and nothing more needs storing.
 *
 * @param epoch        completed epochs; the epoch the next step belongs to
 * @param stepInEpoch  steps already taken in that epoch
 * @param globalStep   steps taken since the start of training
 * @param plannedSteps steps the run was configured for (the schedule's length), 0 if unknown
 * @param seed         the run's seed (initialisation, shuffling, dropout)
 * @param batchSize    samples per step and rank
 * @param ranks        ranks of the job
 * @param shuffle      whether epochs are shuffled
 * @param model        the model's name ({@code mlp}, ...), or a class name
 */
public record TrainingState(long epoch, long stepInEpoch, long globalStep, long plannedSteps, long seed,
                            int batchSize, int ranks, boolean shuffle, String model) {
}
