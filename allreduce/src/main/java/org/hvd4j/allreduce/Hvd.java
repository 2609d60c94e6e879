package org.hvd4j.allreduce;

import java.io.Serializable;
import java.util.List;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.optim.Optimizer;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.Tensor;

/**
 * The process's place in a distributed job, Horovod style:
 *
 * <pre>{@code
 * Hvd.init();                                          // rank, size, ... from hvdrun / mpirun / srun / torchrun
 * Optimizer opt = DistributedOptimizer.wrap(new Sgd(model.parameters(), lr * Hvd.size(), ...));
 * Hvd.broadcastParameters(model, 0);                   // every rank starts from rank 0's weights
 * ... train on shard Hvd.rank() of Hvd.size() ...
 * Hvd.shutdown();
 * }</pre>
 *
 * Every method delegates to the {@link HvdRuntime} created by {@link #init()}; calling one
 * before {@code init} is an error. Without any launcher, {@code init} makes a job of one process,
 * so the same program runs alone.
 */
public final class Hvd {
    private static HvdRuntime current;
    private static Thread shutdownHook;

    private Hvd() {
    }

    /** Joins the job described by the environment ({@link JobEnvironment#detect()}); idempotent. */
    public static synchronized void init() {
        if (current == null) {
            init(JobEnvironment.detect());
        }
    }

    /** Joins the given job. */
    public static synchronized void init(JobConfig job) {
        if (current != null) {
            throw new IllegalStateException("Hvd is already initialised (" + current.placement() + "); call shutdown() first");
        }
        current = HvdRuntime.start(job);
        HvdRuntime rt = current;
        // a program that forgets shutdown() still leaves the job cleanly instead of looking like a crash
        shutdownHook = new Thread(rt::shutdown, "hvd4j-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public static synchronized boolean isInitialized() {
        return current != null;
    }

    /** The process's runtime. */
    public static synchronized HvdRuntime runtime() {
        if (current == null) {
            throw new IllegalStateException("Hvd.init() has not been called");
        }
        return current;
    }

    /** Ends the job for every rank (Horovod semantics) and releases this process's resources. */
    public static synchronized void shutdown() {
        if (current != null) {
            current.shutdown();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException ignored) {
                // the JVM is already exiting
            }
            current = null;
        }
    }

    public static int rank() {
        return runtime().rank();
    }

    public static int size() {
        return runtime().size();
    }

    public static int localRank() {
        return runtime().localRank();
    }

    public static int localSize() {
        return runtime().localSize();
    }

    public static int crossRank() {
        return runtime().crossRank();
    }

    public static int crossSize() {
        return runtime().crossSize();
    }

    /** A new tensor: {@code op} of {@code t} over all ranks. */
    public static Tensor allreduce(Tensor t, Reduction op) {
        return runtime().allreduce(t, op);
    }

    /** In place, asynchronous; see {@link HvdRuntime#allreduceAsync(Tensor, String, Reduction)}. */
    public static Handle<Tensor> allreduceAsync(Tensor t, String name, Reduction op) {
        return runtime().allreduceAsync(t, name, op);
    }

    public static void allreduce(float[] data, Reduction op) {
        runtime().allreduce(data, op);
    }

    public static void allreduce(double[] data, Reduction op) {
        runtime().allreduce(data, op);
    }

    public static Tensor allgather(Tensor t) {
        return runtime().allgather(t);
    }

    public static void broadcast(Tensor t, int root) {
        runtime().broadcast(t, root);
    }

    public static Tensor reducescatter(Tensor t, Reduction op) {
        return runtime().reducescatter(t, op);
    }

    public static HvdRuntime.AlltoallResult alltoall(Tensor t, int[] splits) {
        return runtime().alltoall(t, splits);
    }

    public static void barrier() {
        runtime().barrier();
    }

    /** See {@link HvdRuntime#sharedTensor(DType, int...)}. */
    public static Tensor sharedTensor(DType dtype, int... dims) {
        return runtime().sharedTensor(dtype, dims);
    }

    /** See {@link HvdRuntime#join()}. */
    public static int join() {
        return runtime().join();
    }

    public static <T extends Serializable> T broadcastObject(T value, int root) {
        return runtime().broadcastObject(value, root);
    }

    public static <T extends Serializable> List<T> allgatherObject(T value) {
        return runtime().allgatherObject(value);
    }

    /** The mean of each value over all ranks. */
    public static double[] averageMetrics(double... values) {
        return runtime().averageMetrics(values);
    }

    /** Every rank takes rank {@code root}'s parameters and buffers. */
    public static void broadcastParameters(Module model, int root) {
        runtime().broadcastParameters(model, root);
    }

    /** Every rank takes rank {@code root}'s optimizer state, learning rate and step count. */
    public static void broadcastOptimizerState(Optimizer optimizer, int root) {
        runtime().broadcastOptimizerState(optimizer, root);
    }
}
