package org.hvd4j.allreduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The runtime in real JVM processes on loopback (the way hvdrun starts them). */
class MultiProcessTest {
    @Test
    void everyCollectiveOnOneToFiveProcesses() throws Exception {
        for (int n = 1; n <= 5; n++) {
            int hosts = n == 4 ? 2 : 1; // 4 ranks on 2 hosts: the hierarchical transport
            ProcessJob.Result r = ProcessJob.run(n, hosts, Map.of(), Duration.ofSeconds(120), ScenarioMain.class.getName(),
                    "collectives");
            assertTrue(r.allSucceeded(), "n = " + n + ":" + r.describe());
            for (int k = 0; k < n; k++) {
                assertTrue(r.output()[k].contains("rank " + k + " of " + n + " ok"), r.describe());
            }
            if (n == 4) {
                assertTrue(r.output()[0].contains("hierarchical"), r.describe());
            }
        }
    }

    @Test
    void everyCollectiveOverTcp() throws Exception {
        ProcessJob.Result r = ProcessJob.run(3, 1, Map.of("HVD4J_TRANSPORT", "tcp"), Duration.ofSeconds(120),
                ScenarioMain.class.getName(), "collectives");
        assertTrue(r.allSucceeded(), r.describe());
        assertTrue(r.output()[0].contains("(tcp)"), r.describe());
    }

    @Test
    void aRankThatDiesMakesTheOthersFailQuicklyAndLeavesNoSharedMemory() throws Exception {
        long t0 = System.nanoTime();
        ProcessJob.Result r = ProcessJob.run(3, 1, Map.of(), Duration.ofSeconds(60), ScenarioMain.class.getName(), "die");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(3, r.exitCodes()[1], r.describe());
        assertEquals(1, r.exitCodes()[0], r.describe());
        assertEquals(1, r.exitCodes()[2], r.describe());
        assertTrue(r.output()[0].contains("rank 1"), "rank 0 names the dead rank:" + r.describe());
        assertTrue(seconds < 45, "took " + seconds + " s");
        try (Stream<Path> files = Files.list(Path.of("/dev/shm"))) {
            long left = files.map(p -> p.getFileName().toString())
                    .filter(f -> f.startsWith("hvd4j-") && Stream.of(0, 1, 2).anyMatch(k -> f.endsWith("-p" + r.pids()[k])))
                    .count();
            assertEquals(0, left, "shared-memory files left behind");
        }
    }
}
