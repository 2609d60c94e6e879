/**
 * Collectives among the ranks of one host through shared memory under {@code /dev/shm}: one
 * mapped segment per rank, rounds signalled by flags, and a registered region that serves as the
 * runtime's zero-copy fusion buffer. Segments are unlinked as soon as every peer has mapped them.
 */
package org.hvd4j.allreduce.shm;
