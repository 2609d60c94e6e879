package org.hvd4j.allreduce;

/**
 * Where a process sits in the job. Cross rank is the index of its host, cross size the number of
 * hosts (for homogeneous jobs; Horovod defines the cross communicator as the ranks that share
 * this local rank). Local and cross values are -1 when the environment did not say; the runtime
 * then works them out from the host names every rank publishes at start-up.
 */
public record RankInfo(int rank, int size, int localRank, int localSize, int crossRank, int crossSize) {

    public RankInfo {
        if (size < 1 || rank < 0 || rank >= size) {
            throw new IllegalArgumentException("rank " + rank + " of size " + size + ": need 0 <= rank < size");
        }
        if (localSize == 0 || localRank >= localSize && localSize > 0 || crossRank >= crossSize && crossSize > 0) {
            throw new IllegalArgumentException("inconsistent placement: local rank " + localRank + " of " + localSize
                    + ", cross rank " + crossRank + " of " + crossSize);
        }
    }

    /** The single process of a job without any launcher. */
    public static RankInfo single() {
        return new RankInfo(0, 1, 0, 1, 0, 1);
    }
    @Override
    public String toString() {
        return "rank " + rank + "/" + size + " (local " + localRank + "/" + localSize + ", cross " + crossRank + "/"
                + crossSize + ")";
    }
}
