package org.hvd4j.examples;

import org.hvd4j.allreduce.DistributedOptimizer;
import org.hvd4j.allreduce.HvdRuntime;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.io.ModuleRng;
import org.hvd4j.nn.io.TrainingState;
import org.hvd4j.nn.optim.Optimizer;

/**
 * The trainer's view of the job: one process, or one rank of a distributed job (then the
 * optimizer is wrapped, weights start from rank 0's, and metrics are summed over the ranks).
 */
final class RankContext {
    private final HvdRuntime rt;

    private RankContext(HvdRuntime rt) {
        this.rt = rt;
    }

    static RankContext single() {
        return new RankContext(null);
    }

    /** A rank of the job {@code rt} belongs to. */
    static RankContext of(HvdRuntime rt) {
        return new RankContext(rt);
    }

    int rank() {
        return rt == null ? 0 : rt.rank();
    }

    int size() {
        return rt == null ? 1 : rt.size();
    }

    /** Ranks of the job on this host (1 for one process). */
    int localSize() {
        return rt == null ? 1 : rt.localSize();
    }

    boolean isRoot() {
        return rank() == 0;
    }

    /** {@code inner} itself for one process, else wrapped so that gradients are averaged. */
    Optimizer distribute(Optimizer inner) {
        return rt == null ? inner : DistributedOptimizer.builder(inner).runtime(rt).build();
    }

    /** Waits until the gradients are averaged (before anything reads them, such as clipping). */
    void synchronize(Optimizer optimizer) {
        if (optimizer instanceof DistributedOptimizer d) {
            d.synchronize();
        }
    }

    /** Every rank starts from rank 0's parameters, buffers and optimizer state. */
    void broadcastFromRoot(Module model, Optimizer optimizer) {
        if (rt != null) {
            rt.broadcastParameters(model, 0);
            rt.broadcastOptimizerState(optimizer, 0);
        }
    }

    /**
     * Rank 0's start position {@code {epoch, step in epoch, global step}} ({@code start} there, null
     * for step 0; ignored on other ranks), and rank 0's dropout counters set on every rank: with
     * the weights and optimizer state of {@link #broadcastFromRoot}, all that a resume needs.
     * Ranks on other hosts never read rank 0's checkpoint files.
     */
    long[] broadcastStart(TrainingState start, Module model) {
        long[] drop = ModuleRng.dropoutCalls(model);
        long[] all = new long[3 + drop.length];
        if (start != null) {
            all[0] = start.epoch();
            all[1] = start.stepInEpoch();
            all[2] = start.globalStep();
        }
        System.arraycopy(drop, 0, all, 3, drop.length);
        if (rt != null) {
            all = rt.broadcastObject(all, 0);
            ModuleRng.setDropoutCalls(model, java.util.Arrays.copyOfRange(all, 3, all.length));
        }
        return java.util.Arrays.copyOf(all, 3);
    }

    /** In place: each value becomes its sum over the ranks. */
    void sum(double[] values) {
        if (rt != null) {
            rt.allreduce(values, Reduction.SUM);
        }
    }
}
