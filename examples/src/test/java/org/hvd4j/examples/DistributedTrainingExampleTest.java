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

/** The README's Java training program, as 2 real processes on Fashion-MNIST (skipped without the data set). */
class DistributedTrainingExampleTest {
    private static final Path DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path dir;

    @Test
    void runsAsTwoRanksAndCheckpointsOnRankZero() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DEBIAN), "dataset-fashion-mnist is not installed");
        Path ckpt = dir.resolve("w.bin");
        ProcessJob.Result r = ProcessJob.run(2, 1, Map.of(), Duration.ofSeconds(240),
                DistributedTrainingExample.class.getName(), "1", DEBIAN.toString(), ckpt.toString());
        assertTrue(r.allSucceeded(), r.describe());
        assertTrue(r.output()[0].contains("epoch 1: mean training loss") && r.output()[0].contains("over 2 ranks"),
                r.describe());
        assertTrue(r.output()[1].isBlank(), "only rank 0 prints: " + r.describe());
        assertTrue(Files.size(ckpt) > 535_000 * 4, "checkpoint written by rank 0");
    }
}
