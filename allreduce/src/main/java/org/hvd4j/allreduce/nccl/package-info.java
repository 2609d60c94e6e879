/**
 * The NCCL transport: collectives on device memory through {@link org.hvd4j.cuda.Nccl}, for ranks
 * that train on GPUs. {@link org.hvd4j.allreduce.nccl.NcclCommunicator} is a
 * {@link org.hvd4j.allreduce.comm.DeviceCommunicator} (device addresses and a stream: the
 * host-buffer {@link org.hvd4j.allreduce.comm.Communicator} contract does not fit device memory);
 * rank 0 publishes the NCCL unique id through the rendezvous server and the others read it. The
 * runtime chooses it for the allreduce and broadcast of CUDA tensors on real GPUs.
 */
package org.hvd4j.allreduce.nccl;
