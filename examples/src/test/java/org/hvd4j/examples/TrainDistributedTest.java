package org.hvd4j.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.hvd4j.allreduce.ProcessJob;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train} as 2 real ranks on Fashion-MNIST (skipped without the data set). */
class TrainDistributedTest {
    private static final Path DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path dir;

    @Test
    void twoRanksShardTheDataAndOnlyRankZeroReports() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DEBIAN), "dataset-fashion-mnist is not installed");
        Path summary = dir.resolve("summary.json");
        ProcessJob.Result r = ProcessJob.run(2, 1, Map.of(), Duration.ofSeconds(240), Train.class.getName(),
                "--model", "mlp", "--steps", "60", "--data-dir", DEBIAN.toString(), "--no-download",
                "--summary-json", summary.toString());
        assertTrue(r.allSucceeded(), r.describe());
        String out0 = r.output()[0];
        assertTrue(out0.contains("ranks 2 (1 hosts, transport shm)") && out0.contains("batch 128 per rank")
                && out0.contains("(scaling linear)"), r.describe());
        assertTrue(out0.contains("done: 60 steps"), r.describe());
        assertTrue(r.output()[1].isBlank(), "rank 1 prints nothing: " + r.describe());
        String json = Files.readString(summary);
        assertTrue(json.contains("\"ranks\": 2") && json.contains("\"steps\": 60"), json);
    }
}
