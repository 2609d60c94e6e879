package org.hvd4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.hvd4j.allreduce.ProcessJob;
import org.hvd4j.datasets.hdf5.FashionMnistHdf5;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The programs users run, as 2 real ranks on Fashion-MNIST (skipped without the data set):
 * {@code train} (from IDX, and streaming an HDF5 copy) and the README's Java training program.
 */
class TwoRankProgramsTest {
    private static final Path DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path dir;

    @BeforeEach
    void needsTheDataSet() {
        Assumptions.assumeTrue(Files.isDirectory(DEBIAN), "dataset-fashion-mnist is not installed");
    }

    private static ProcessJob.Result twoRanks(Class<?> main, String... args) throws Exception {
        ProcessJob.Result r = ProcessJob.run(2, 1, Map.of(), Duration.ofSeconds(240), main.getName(), args);
        assertTrue(r.allSucceeded(), r.describe());
        assertTrue(r.output()[1].isBlank(), "only rank 0 prints: " + r.describe());
        return r;
    }

    @Test
    void trainShardsTheDataAndOnlyRankZeroReports() throws Exception {
        Path summary = dir.resolve("summary.json");
        ProcessJob.Result r = twoRanks(Train.class, "--model", "mlp", "--steps", "60", "--data-dir", DEBIAN.toString(),
                "--no-download", "--summary-json", summary.toString());
        String out0 = r.output()[0];
        assertTrue(out0.contains("ranks 2 (1 hosts, transport shm)") && out0.contains("batch 128 per rank")
                && out0.contains("(scaling linear)"), r.describe());
        assertTrue(out0.contains("done: 60 steps"), r.describe());
        String json = Files.readString(summary);
        assertTrue(json.contains("\"ranks\": 2") && json.contains("\"steps\": 60"), json);
    }

    @Test
    void twoRanksStreamingAnHdf5CopyEndWithTheIdxJobsWeights() throws Exception {
        Path h5 = dir.resolve("fm.h5");
        FashionMnistHdf5.write(DEBIAN, h5, 512, 1);
        Path idx = dir.resolve("idx.json");
        Path hdf5 = dir.resolve("hdf5.json");
        twoRanks(Train.class, "--steps", "40", "--data-dir", DEBIAN.toString(), "--no-download", "--summary-json",
                idx.toString());
        ProcessJob.Result r = twoRanks(Train.class, "--steps", "40", "--dataset", "hdf5:" + h5, "--x",
                FashionMnistHdf5.TRAIN_X, "--y", FashionMnistHdf5.TRAIN_Y, "--test-x", FashionMnistHdf5.TEST_X,
                "--test-y", FashionMnistHdf5.TEST_Y, "--data-memory", "0", "--summary-json", hdf5.toString());
        assertTrue(r.output()[0].contains("streamed from the file"), r.describe());
        assertEquals(TrainCli.json(idx, "parameters_sha256"), TrainCli.json(hdf5, "parameters_sha256"));
    }

    @Test
    void theJavaTrainingProgramRunsAndCheckpointsOnRankZero() throws Exception {
        Path ckpt = dir.resolve("w.bin");
        ProcessJob.Result r = twoRanks(DistributedTrainingExample.class, "1", DEBIAN.toString(), ckpt.toString());
        assertTrue(r.output()[0].contains("epoch 1: mean training loss") && r.output()[0].contains("over 2 ranks"),
                r.describe());
        assertTrue(Files.size(ckpt) > 535_000 * 4, "checkpoint written by rank 0");
    }
}
