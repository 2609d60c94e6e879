/**
 * Distributed runtime: Hvd, the Communicator contract and its transports, DistributedOptimizer (the distributed-runtime issue fills it).
 */
package org.hvd4j.allreduce;
