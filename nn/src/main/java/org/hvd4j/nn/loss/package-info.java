/**
 * Losses as objects for training loops: {@link org.hvd4j.nn.loss.Loss} with cross-entropy (label
 * smoothing), MSE and BCE-with-logits; the math lives in {@code org.hvd4j.tensor.ops.Losses}.
 */
package org.hvd4j.nn.loss;
