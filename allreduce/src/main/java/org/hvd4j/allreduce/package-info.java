/**
 * hvd4j's distributed runtime, the API users call: {@link org.hvd4j.allreduce.Hvd} (init, rank, size,
 * collectives), {@link org.hvd4j.allreduce.HvdRuntime} (the same per instance), {@link
 * org.hvd4j.allreduce.DistributedOptimizer}, and how a process learns its place in the job ({@link
 * org.hvd4j.allreduce.JobEnvironment}). The data plane is in {@code comm} (the contract), {@code shm},
 * {@code ring}; the negotiation and background execution in {@code runtime}; start-up in
 * {@code net} and {@code rendezvous}.
 */
package org.hvd4j.allreduce;
