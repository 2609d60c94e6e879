/**
 * Runnable programs that {@code hvdrun} knows by name: {@code train} ({@link
 * org.hvd4j.examples.Train}), the reference trainer for the built-in models on Fashion-MNIST. The
 * loop itself is {@link org.hvd4j.examples.Trainer}, usable from tests and other programs.
 */
package org.hvd4j.examples;
