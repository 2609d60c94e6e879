/**
 * Collectives over TCP: the bandwidth-optimal, pipelined ring ({@link
 * org.hvd4j.allreduce.ring.TcpRing}) used across hosts and wherever shared memory is unavailable,
 * and the pairwise exchange over direct connections that implements alltoall.
 */
package org.hvd4j.allreduce.ring;
