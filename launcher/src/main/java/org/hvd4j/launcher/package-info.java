/**
 * hvdrun: the launcher. {@link org.hvd4j.launcher.HvdRun} parses hosts ({@link org.hvd4j.launcher.HostParser}),
 * assigns ranks ({@link org.hvd4j.launcher.RankAssignment}), hosts the rendezvous server, starts every rank under
 * a small sh wrapper here or through ssh, copies their output with rank prefixes and stops the job at the first
 * failure (fail-fast) or on Ctrl-C.
 */
package org.hvd4j.launcher;
