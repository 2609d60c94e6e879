/**
 * How collectives are agreed on and run: every rank's {@link org.hvd4j.allreduce.runtime.Engine}
 * sends requests to the coordinator on rank 0, which matches them by name, checks them, fuses
 * them and answers every rank with the same ordered response list; the engines execute it on the
 * communicator — or, for the allreduce and broadcast of CUDA tensors, on the device path
 * ({@code DeviceCollectives}: device fusion buffer, a communication stream ordered by events, NCCL
 * or the staged device communicator). Also the stall inspector, the timeline, the runtime settings, and the start-up
 * sequence ({@link org.hvd4j.allreduce.runtime.Bootstrap}).
 */
package org.hvd4j.allreduce.runtime;
