package org.hvd4j.allreduce;

import java.net.InetSocketAddress;
import org.hvd4j.allreduce.net.Secret;
import org.hvd4j.allreduce.runtime.RuntimeConfig;

/**
 * Everything {@link Hvd#init(JobConfig)} needs to join a job; {@link JobEnvironment#detect} builds
 * it from the environment the launcher (hvdrun, mpirun, srun, torchrun, Kubernetes) provides.
 *
 * @param ranks            rank and size (local/cross placement may be unknown)
 * @param rendezvous       the rendezvous server, or null for a single process
 * @param hostsRendezvous  whether rank 0 starts the rendezvous server itself (no hvdrun)
 * @param secret           the job secret that authenticates every connection
 * @param hostName         the name of this host as the job knows it (ranks with the same name share memory)
 * @param advertiseAddress the address peers should connect to, or null to use the one that reaches
 *                         the rendezvous server
 * @param runtime          fusion, cycle time, stall inspector, timeline, transport
 * @param launcher         what started the job, for logs ("hvdrun", "Open MPI", ...)
 */
public record JobConfig(RankInfo ranks, InetSocketAddress rendezvous, boolean hostsRendezvous, Secret secret,
                        String hostName, String advertiseAddress, RuntimeConfig runtime, String launcher) {

    public JobConfig {
        if (ranks.size() > 1 && rendezvous == null) {
            throw new IllegalArgumentException("a job of " + ranks.size() + " ranks needs a rendezvous address");
        }
    }

    /** One process, no network. */
    public static JobConfig single() {
        return new JobConfig(RankInfo.single(), null, false, Secret.none(), "localhost", null, RuntimeConfig.defaults(),
                "none");
    }

    /** A copy with other runtime settings. */
    public JobConfig with(RuntimeConfig rc) {
        return new JobConfig(ranks, rendezvous, hostsRendezvous, secret, hostName, advertiseAddress, rc, launcher);
    }
}
