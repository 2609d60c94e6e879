package org.hvd4j.examples;

import org.hvd4j.nn.io.TrainingState;

/**
 * Called by {@link Trainer#run} on every rank (checkpoints: only rank 0 writes). A position is
 * where the next step starts: after the last step of an epoch it is the next epoch's step 0.
 */
public interface TrainerHooks {
    /** No hooks. */
    TrainerHooks NONE = new TrainerHooks() {
    };

    /** After every optimizer step except an epoch's last (that one is followed by {@link #afterEpoch}). */
    default void afterStep(TrainingState next) {
    }

    /** After an epoch (or the partial last one) and its evaluation. */
    default void afterEpoch(TrainingState next, EpochStats stats) {
    }

    /** {@code first}'s calls, then {@code second}'s. */
    static TrainerHooks both(TrainerHooks first, TrainerHooks second) {
        return new TrainerHooks() {
            @Override
            public void afterStep(TrainingState next) {
                first.afterStep(next);
                second.afterStep(next);
            }

            @Override
            public void afterEpoch(TrainingState next, EpochStats stats) {
                first.afterEpoch(next, stats);
                second.afterEpoch(next, stats);
            }
        };
    }
}
