/**
 * The data-plane contract ({@link org.hvd4j.allreduce.comm.Communicator}: collectives over host
 * byte buffers, with the piece rule that makes fused and unfused results identical), the
 * reduction kernels every transport shares ({@link org.hvd4j.allreduce.comm.Reducer}, fp16/bf16
 * conversion in {@link org.hvd4j.tensor.HalfFloats}), and the transports built from
 * others: the group of one and the hierarchical (shared memory within a host, TCP across hosts).
 * For device memory, the {@link org.hvd4j.allreduce.comm.DeviceCommunicator} contract (device
 * addresses and a CUDA stream) and its staged implementation over a host communicator.
 */
package org.hvd4j.allreduce.comm;
