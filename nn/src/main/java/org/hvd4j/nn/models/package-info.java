/**
 * The built-in models that {@code train} and {@code synthetic} know by name ({@code mlp},
 * {@code cnn}, {@code cnn-bn}), with fixed parameter names so that checkpoints and PyTorch
 * {@code state_dict}s line up.
 */
package org.hvd4j.nn.models;
