package org.hvd4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hvd4j.allreduce.ProcessJob;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --resume} as 2 real ranks on Fashion-MNIST (skipped without it): rank 0 alone
 * writes and reads checkpoints; weights, optimizer state and position reach rank 1 by broadcast,
 * and the resumed job ends with the uninterrupted job's weights, bit for bit.
 */
class TwoRankResumeTest {
    private static final Path DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path dir;

    private static ProcessJob.Result twoRanks(String... args) throws Exception {
        ProcessJob.Result r = ProcessJob.run(2, 1, Map.of(), Duration.ofSeconds(240), Train.class.getName(), args);
        assertTrue(r.allSucceeded(), r.describe());
        assertTrue(r.output()[1].isBlank(), "only rank 0 prints: " + r.describe());
        return r;
    }

    private static String digest(Path summary) throws Exception {
        Matcher m = Pattern.compile("\"parameters_sha256\": \"([0-9a-f]+)\"").matcher(Files.readString(summary));
        assertTrue(m.find());
        return m.group(1);
    }

    @Test
    void aTwoRankJobResumedMidEpochEndsWithTheStraightJobsWeights() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DEBIAN), "dataset-fashion-mnist is not installed");
        // batch 1000 per rank: 30 steps per epoch
        String[] common = {"--model", "mlp", "--epochs", "2", "--batch-size", "1000", "--optimizer", "adam", "--lr",
            "0.001", "--data-dir", DEBIAN.toString(), "--no-download"};
        Path d1 = dir.resolve("straight");
        Path s1 = dir.resolve("s1.json");
        twoRanks(concat(common, "--checkpoint-dir", d1.toString(), "--checkpoint-every-steps", "20",
                "--keep-checkpoints", "10", "--summary-json", s1.toString()));
        String mid = "ckpt-epoch0001-step000040.h5";
        assertTrue(Files.isRegularFile(d1.resolve(mid)), "rank 0 wrote " + mid);
        Path d2 = dir.resolve("resumed");
        Files.createDirectories(d2);
        Files.copy(d1.resolve(mid), d2.resolve(mid));
        Path s2 = dir.resolve("s2.json");
        ProcessJob.Result r = twoRanks(concat(common, "--checkpoint-dir", d2.toString(), "--resume", "--summary-json",
                s2.toString()));
        assertTrue(r.output()[0].contains("resume: from " + d2.resolve(mid) + " (epoch 2, step 10 of it, global step 40)"),
                r.describe());
        assertEquals(digest(s1), digest(s2));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
