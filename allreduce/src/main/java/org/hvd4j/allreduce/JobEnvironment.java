package org.hvd4j.allreduce;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Map;
import org.hvd4j.allreduce.net.Secret;
import org.hvd4j.allreduce.runtime.RuntimeConfig;

/**
 * Learns a process's place in the job from its environment, in this order:
 *
 * <ol>
 *   <li><b>hvdrun</b>: {@code HVD4J_RANK}, {@code HVD4J_SIZE}, {@code HVD4J_LOCAL_RANK},
 *       {@code HVD4J_LOCAL_SIZE}, {@code HVD4J_CROSS_RANK}, {@code HVD4J_CROSS_SIZE},
 *       {@code HVD4J_RENDEZVOUS} (host:port of the launcher's server), {@code HVD4J_SECRET},
 *       {@code HVD4J_HOSTNAME};</li>
 *   <li><b>Open MPI</b> ({@code mpirun}): {@code OMPI_COMM_WORLD_RANK/SIZE/LOCAL_RANK/LOCAL_SIZE};</li>
 *   <li><b>Slurm</b> ({@code srun}): {@code SLURM_PROCID}, {@code SLURM_NTASKS}, {@code SLURM_LOCALID},
 *       {@code SLURM_NODEID}, {@code SLURM_NNODES};</li>
 *   <li><b>torchrun</b>, a Kubernetes PyTorchJob, or a Kubernetes Indexed Job whose manifest sets
 *       {@code RANK} from the completion index: {@code RANK}, {@code WORLD_SIZE},
 *       {@code LOCAL_RANK}, {@code LOCAL_WORLD_SIZE}, {@code GROUP_RANK}, {@code MASTER_ADDR},
 *       {@code MASTER_PORT};</li>
 *   <li>none of these: a single process.</li>
 * </ol>
 *
 * <p><b>Kubernetes Indexed Jobs</b> set {@code JOB_COMPLETION_INDEX} in every pod; it is
 * deliberately not read here. It numbers pods, not ranks: it equals the rank only when every pod
 * runs exactly one rank, and a pod that runs several (one per GPU, or torchrun inside the pod,
 * where the index is torchrun's node rank) would silently get wrong ranks. The pod also learns
 * neither the job's size nor rank 0's address from Kubernetes, so the manifest must set those
 * anyway; mapping the index to {@code RANK} there (the downward API's
 * {@code metadata.annotations['batch.kubernetes.io/job-completion-index']}) states the
 * one-rank-per-pod assumption where it is made and needs nothing beyond the torchrun variables.
 * {@code examples/kubernetes/hvd4j-train.yaml} does this.
 *
 * Without hvdrun there is no launcher-side server: rank 0 starts the rendezvous server itself at
 * {@code HVD4J_RENDEZVOUS}, else at {@code MASTER_ADDR:MASTER_PORT} (one port higher under
 * torchrun's elastic agent, which holds {@code MASTER_PORT} for its own store), and every rank
 * connects there — the address must be rank 0's host. {@code HVD4J_SECRET}, when set to the same
 * value for every rank, authenticates the connections; without it they are not authenticated.
 * {@code HVD4J_ADDRESS} or {@code HVD4J_NETWORK_INTERFACE} choose the address peers connect to.
 */
public final class JobEnvironment {
    private JobEnvironment() {
    }

    /** The job of this process, from {@link System#getenv()}. */
    public static JobConfig detect() {
        return detect(System.getenv());
    }

    /** The job described by {@code env}; malformed values raise {@link IllegalArgumentException} naming the variable. */
    public static JobConfig detect(Map<String, String> env) {
        RuntimeConfig rc = RuntimeConfig.fromEnvironment(env);
        Secret secret = env.containsKey("HVD4J_SECRET") && !env.get("HVD4J_SECRET").isBlank()
                ? Secret.parse(env.get("HVD4J_SECRET").trim()) : Secret.none();
        String advertise = advertised(env);
        if (has(env, "HVD4J_RANK")) {
            RankInfo ranks = new RankInfo(num(env, "HVD4J_RANK"), num(env, "HVD4J_SIZE"), opt(env, "HVD4J_LOCAL_RANK"),
                    opt(env, "HVD4J_LOCAL_SIZE"), opt(env, "HVD4J_CROSS_RANK"), opt(env, "HVD4J_CROSS_SIZE"));
            return new JobConfig(ranks, rendezvous(env, ranks, false), false, secret, host(env, null), advertise, rc, "hvdrun");
        }
        if (has(env, "OMPI_COMM_WORLD_RANK")) {
            RankInfo ranks = new RankInfo(num(env, "OMPI_COMM_WORLD_RANK"), num(env, "OMPI_COMM_WORLD_SIZE"),
                    opt(env, "OMPI_COMM_WORLD_LOCAL_RANK"), opt(env, "OMPI_COMM_WORLD_LOCAL_SIZE"), -1, -1);
            return new JobConfig(ranks, rendezvous(env, ranks, false), ranks.size() > 1, secret, host(env, null),
                    advertise, rc, "Open MPI");
        }
        if (has(env, "SLURM_PROCID") && has(env, "SLURM_NTASKS")) {
            RankInfo ranks = new RankInfo(num(env, "SLURM_PROCID"), num(env, "SLURM_NTASKS"), -1, -1, -1, -1);
            String node = has(env, "SLURM_NODEID") ? "slurm-node-" + env.get("SLURM_NODEID").trim() : null;
            return new JobConfig(ranks, rendezvous(env, ranks, false), ranks.size() > 1, secret, host(env, node),
                    advertise, rc, "Slurm");
        }
        if (has(env, "RANK") && has(env, "WORLD_SIZE")) {
            RankInfo ranks = new RankInfo(num(env, "RANK"), num(env, "WORLD_SIZE"), -1, -1, -1, -1);
            String node = has(env, "GROUP_RANK") ? "torch-node-" + env.get("GROUP_RANK").trim() : null;
            return new JobConfig(ranks, rendezvous(env, ranks, has(env, "TORCHELASTIC_RUN_ID")), ranks.size() > 1, secret,
                    host(env, node), advertise, rc, "torchrun");
        }
        return JobConfig.single().with(rc);
    }

    private static InetSocketAddress rendezvous(Map<String, String> env, RankInfo ranks, boolean elastic) {
        String hp = env.get("HVD4J_RENDEZVOUS");
        if (hp != null && !hp.isBlank()) {
            return parseHostPort("HVD4J_RENDEZVOUS", hp.trim());
        }
        if (has(env, "MASTER_ADDR") && has(env, "MASTER_PORT")) {
            int port = num(env, "MASTER_PORT") + (elastic ? 1 : 0);
            return InetSocketAddress.createUnresolved(env.get("MASTER_ADDR").trim(), port);
        }
        if (ranks.size() > 1) {
            throw new IllegalArgumentException("rank " + ranks.rank() + " of " + ranks.size() + " has no rendezvous "
                    + "address: run under hvdrun, or set HVD4J_RENDEZVOUS=host:port (rank 0's host and a free port) "
                    + "for every rank");
        }
        return null;
    }

    /** Parses {@code host:port} (IPv6 as {@code [addr]:port}). */
    static InetSocketAddress parseHostPort(String var, String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException(var + " must be host:port, got '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(var + " has a bad port in '" + text + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(var + " port must be 1..65535, got " + port);
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    private static String host(Map<String, String> env, String fallback) {
        if (has(env, "HVD4J_HOSTNAME")) {
            return env.get("HVD4J_HOSTNAME").trim();
        }
        if (fallback != null) {
            return fallback;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static String advertised(Map<String, String> env) {
        if (has(env, "HVD4J_ADDRESS")) {
            return env.get("HVD4J_ADDRESS").trim();
        }
        if (has(env, "HVD4J_NETWORK_INTERFACE")) {
            return "iface:" + env.get("HVD4J_NETWORK_INTERFACE").trim();
        }
        return null;
    }

    private static boolean has(Map<String, String> env, String name) {
        String v = env.get(name);
        return v != null && !v.isBlank();
    }

    private static int num(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(name + " is not set");
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + v + "'");
        }
    }

    private static int opt(Map<String, String> env, String name) {
        return has(env, name) ? num(env, name) : -1;
    }
}
