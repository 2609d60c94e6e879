/**
 * Optimizers ({@link org.hvd4j.nn.optim.Sgd}, {@link org.hvd4j.nn.optim.Adam} with its AdamW
 * variant), learning-rate schedules with Horovod's warm-up ({@link org.hvd4j.nn.optim.LrSchedule})
 * and gradient clipping ({@link org.hvd4j.nn.optim.GradClip}). The update math of each algorithm is
 * a fused backend kernel; the classes here hold hyper-parameters and state.
 */
package org.hvd4j.nn.optim;
