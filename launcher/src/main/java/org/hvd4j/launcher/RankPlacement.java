package org.hvd4j.launcher;

/**
 * Where one rank runs and its place in the job, as given to it in {@code HVD4J_*} variables.
 *
 * @param rank      0..size-1, assigned host by host in the order the hosts were given
 * @param size      ranks in the job
 * @param host      the host as the user named it
 * @param localRank index among the ranks of its host
 * @param localSize ranks on its host
 * @param crossRank index of its host among the hosts that have a rank with this local rank
 * @param crossSize number of hosts that have a rank with this local rank (Horovod's definition:
 *                  with uneven hosts, local rank 2 may exist on fewer hosts than local rank 0)
 */
public record RankPlacement(int rank, int size, String host, int localRank, int localSize, int crossRank,
                            int crossSize) {
}
