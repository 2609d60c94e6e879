/**
 * The NCCL transport: collectives on device memory through {@link org.hvd4j.cuda.Nccl}, for ranks
 * that train on GPUs. {@link org.hvd4j.allreduce.nccl.NcclCommunicator} has its own device-pointer
 * API (the host-buffer {@link org.hvd4j.allreduce.comm.Communicator} contract does not fit device
 * memory); rank 0 publishes the NCCL unique id through the rendezvous server and the others read it.
 * Not wired into the runtime's engine yet.
 */
package org.hvd4j.allreduce.nccl;
