package org.hvd4j.allreduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class JobEnvironmentTest {
    @Test
    void nothingMeansASingleProcess() {
        JobConfig j = JobEnvironment.detect(Map.of());
        assertEquals(RankInfo.single(), j.ranks());
        assertNull(j.rendezvous());
    }

    @Test
    void hvdrunVariables() {
        JobConfig j = JobEnvironment.detect(Map.of("HVD4J_RANK", "3", "HVD4J_SIZE", "4", "HVD4J_LOCAL_RANK", "1",
                "HVD4J_LOCAL_SIZE", "2", "HVD4J_CROSS_RANK", "1", "HVD4J_CROSS_SIZE", "2", "HVD4J_RENDEZVOUS",
                "10.0.0.1:29400", "HVD4J_HOSTNAME", "hostB", "HVD4J_FUSION_THRESHOLD", "1048576"));
        assertEquals(new RankInfo(3, 4, 1, 2, 1, 2), j.ranks());
        assertEquals("10.0.0.1", j.rendezvous().getHostString());
        assertEquals(29400, j.rendezvous().getPort());
        assertFalse(j.hostsRendezvous(), "hvdrun runs the server");
        assertEquals("hostB", j.hostName());
        assertEquals(1 << 20, j.runtime().fusionThresholdBytes());
        assertEquals("hvdrun", j.launcher());
    }

    @Test
    void openMpiSlurmAndTorchrunLetRankZeroHostTheRendezvous() {
        JobConfig mpi = JobEnvironment.detect(Map.of("OMPI_COMM_WORLD_RANK", "1", "OMPI_COMM_WORLD_SIZE", "2",
                "OMPI_COMM_WORLD_LOCAL_RANK", "1", "OMPI_COMM_WORLD_LOCAL_SIZE", "2", "HVD4J_RENDEZVOUS", "node0:29500"));
        assertEquals(1, mpi.ranks().rank());
        assertTrue(mpi.hostsRendezvous());
        assertEquals("Open MPI", mpi.launcher());

        JobConfig slurm = JobEnvironment.detect(Map.of("SLURM_PROCID", "5", "SLURM_NTASKS", "8", "SLURM_NODEID", "2",
                "MASTER_ADDR", "n0", "MASTER_PORT", "29500"));
        assertEquals(5, slurm.ranks().rank());
        assertEquals("slurm-node-2", slurm.hostName());
        assertEquals(29500, slurm.rendezvous().getPort());

        JobConfig torch = JobEnvironment.detect(Map.of("RANK", "0", "WORLD_SIZE", "2", "LOCAL_RANK", "0", "GROUP_RANK",
                "0", "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "29500", "TORCHELASTIC_RUN_ID", "x"));
        assertEquals(29501, torch.rendezvous().getPort(), "torchrun's agent holds MASTER_PORT");
        assertEquals("torch-node-0", torch.hostName());
    }

    @Test
    void aKubernetesIndexedJobPodIsRankedByTheManifestNotByItsCompletionIndex() {
        // what examples/kubernetes/hvd4j-train.yaml gives pod 2 of 4: RANK from the completion index
        JobConfig pod = JobEnvironment.detect(Map.of("JOB_COMPLETION_INDEX", "2", "RANK", "2", "WORLD_SIZE", "4",
                "HVD4J_RENDEZVOUS", "hvd4j-train-0.hvd4j-train:29500", "HVD4J_SECRET", "from-a-kubernetes-secret"));
        assertEquals(2, pod.ranks().rank());
        assertEquals(4, pod.ranks().size());
        assertTrue(pod.hostsRendezvous(), "rank 0's pod hosts the rendezvous");
        assertEquals("hvd4j-train-0.hvd4j-train", pod.rendezvous().getHostString());
        assertEquals(29500, pod.rendezvous().getPort());
        assertFalse(pod.secret().isNone());

        // the index alone is not a rank: the manifest decides what it means
        JobConfig indexOnly = JobEnvironment.detect(Map.of("JOB_COMPLETION_INDEX", "2"));
        assertEquals(RankInfo.single(), indexOnly.ranks());
        // torchrun inside an Indexed Job pod: the index is the node rank, torchrun's RANK wins
        JobConfig torch = JobEnvironment.detect(Map.of("JOB_COMPLETION_INDEX", "1", "RANK", "3", "WORLD_SIZE", "4",
                "GROUP_RANK", "1", "MASTER_ADDR", "trainer-0.trainer", "MASTER_PORT", "29500"));
        assertEquals(3, torch.ranks().rank());
    }

    @Test
    void badValuesNameTheVariable() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobEnvironment.detect(
                Map.of("HVD4J_RANK", "x", "HVD4J_SIZE", "2", "HVD4J_RENDEZVOUS", "h:1")));
        assertEquals("HVD4J_RANK must be an integer, got 'x'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> JobEnvironment.detect(
                Map.of("HVD4J_RANK", "0", "HVD4J_SIZE", "2", "HVD4J_RENDEZVOUS", "nocolon")));
        assertEquals("HVD4J_RENDEZVOUS must be host:port, got 'nocolon'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> JobEnvironment.detect(
                Map.of("OMPI_COMM_WORLD_RANK", "0", "OMPI_COMM_WORLD_SIZE", "2")));
        assertTrue(e.getMessage().contains("HVD4J_RENDEZVOUS=host:port"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> JobEnvironment.detect(
                Map.of("HVD4J_TRANSPORT", "carrier-pigeon")));
        assertTrue(e.getMessage().startsWith("HVD4J_TRANSPORT must be"), e.getMessage());
    }
}
