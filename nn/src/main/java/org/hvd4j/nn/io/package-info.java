/**
 * HDF5 checkpoints with PyTorch's names and layouts.
 *
 * <ul>
 *   <li>{@link org.hvd4j.nn.io.Checkpoint}: writes a model (parameters and buffers at the root, one
 *       dataset per dotted name, PyTorch layouts), optionally the optimizer's state (group
 *       {@code optimizer}) and the training position (root attributes); reads one back whole,
 *       checks it (format, version, content digest, every dataset a resume needs) and loads it,
 *       strictly or not ({@link org.hvd4j.nn.io.LoadReport} lists missing, unexpected and
 *       mismatched names). A PyTorch {@code state_dict} written with h5py, one dataset per key,
 *       reads the same way.</li>
 *   <li>{@link org.hvd4j.nn.io.CheckpointDir}: a directory of {@code ckpt-epochEEEE-stepSSSSSS.h5}
 *       files written atomically (temporary file, fsync, rename, fsync of the directory), the last
 *       K kept, and the newest valid one found, skipping damaged ones with a message naming them.</li>
 *   <li>{@link org.hvd4j.nn.io.TrainingState}: where a run stands (epoch, step, seed, ...).</li>
 * </ul>
 */
package org.hvd4j.nn.io;
