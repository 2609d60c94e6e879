package org.hvd4j.tensor.cpu;

/** The default CPU thread count: cores on this host divided by the processes sharing it. */
public final class CpuThreads {
    /**
     * System property with the number of CPUs the distributed runtime bound this rank to
     * ({@code org.hvd4j.allreduce.CpuBinding}); unset when the rank is not bound.
     */
    public static final String BOUND_CPUS_PROPERTY = "hvd4j.boundCpus";

    private CpuThreads() {
    }

    /**
     * {@code max(1, availableProcessors / localSize)}, where the local process count comes from
     * {@code HVD4J_LOCAL_SIZE}, else Open MPI's {@code OMPI_COMM_WORLD_LOCAL_SIZE}, else torchrun's
     * {@code LOCAL_WORLD_SIZE}, else 1. {@code HVD4J_NUM_THREADS} overrides the result. A rank
     * that hvd4j bound to its share of the CPUs ({@link #BOUND_CPUS_PROPERTY}, set by the
     * distributed runtime) uses that share: its available processors are already its own.
     */
    public static int defaultThreads() {
        String forced = System.getenv("HVD4J_NUM_THREADS");
        if (forced != null && !forced.isBlank()) {
            return Math.max(1, Integer.parseInt(forced.trim()));
        }
        String bound = System.getProperty(BOUND_CPUS_PROPERTY);
        if (bound != null && !bound.isBlank()) {
            return Math.max(1, Integer.parseInt(bound.trim()));
        }
        int local = 1;
        for (String var : new String[] {"HVD4J_LOCAL_SIZE", "OMPI_COMM_WORLD_LOCAL_SIZE", "LOCAL_WORLD_SIZE"}) {
            String v = System.getenv(var);
            if (v != null && !v.isBlank()) {
                local = Math.max(1, Integer.parseInt(v.trim()));
                break;
            }
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors() / local);
    }
}
