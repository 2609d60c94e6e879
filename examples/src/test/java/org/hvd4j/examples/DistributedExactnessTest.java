package org.hvd4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hvd4j.allreduce.ProcessJob;
import org.hvd4j.datasets.InMemoryDataset;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Data parallelism is exact: 2 ranks (real JVMs) with batch 64 each, gradients averaged, end with
 * the weights of 1 rank with batch 128 after 50 steps of {@code mlp} — without shuffling, rank
 * {@code r} takes samples {@code r, r+2, ...}, so every step sees the same 128 samples.
 */
class DistributedExactnessTest {
    static final int STEPS = 50;

    @TempDir
    Path dir;

    static InMemoryDataset data() {
        return TrainTest.blobs(128 * STEPS, 11);
    }

    static TrainConfig config(String optimizer, int batch, int steps) {
        return new TrainConfig("mlp", 1, steps, batch, optimizer, optimizer.equals("sgd") ? 0.05f : 1e-3f, 0.9f, 1e-4f,
                "constant", 0, 0f, 0, 1, 1, false, null, false, null, 0, "none").validate();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam"})
    void twoRanksOfBatch64MatchOneRankOfBatch128(String optimizer) throws Exception {
        Path out = dir.resolve("weights-" + optimizer);
        ProcessJob.Result r = ProcessJob.run(2, 1, Map.of(), Duration.ofSeconds(180), TrainProbe.class.getName(),
                optimizer, "64", Integer.toString(STEPS), out.toString());
        assertTrue(r.allSucceeded(), r.describe());

        Trainer single = new Trainer(config(optimizer, 128, STEPS), CpuBackend.get());
        single.run(data(), TrainTest.blobs(200, 2), ProgressReporter.silent());
        Map<String, float[]> distributed = read(out);
        assertEquals(single.model().namedParameters().keySet(), distributed.keySet());
        for (Map.Entry<String, Tensor> e : single.model().namedParameters().entrySet()) {
            float[] want = e.getValue().toFloatArray();
            float[] got = distributed.get(e.getKey());
            double norm = 0;
            double diff = 0;
            double maxDiff = 0;
            for (int i = 0; i < want.length; i++) {
                norm += (double) want[i] * want[i];
                diff += (double) (want[i] - got[i]) * (want[i] - got[i]);
                maxDiff = Math.max(maxDiff, Math.abs(want[i] - got[i]));
            }
            double relative = Math.sqrt(diff / norm);
            System.out.printf("%s %s: relative L2 difference %.2e, max |difference| %.2e%n", optimizer, e.getKey(),
                    relative, maxDiff);
            assertTrue(relative <= 1e-5, optimizer + " " + e.getKey() + ": ||w2 - w1|| / ||w1|| = " + relative);
        }
    }

    private static Map<String, float[]> read(Path file) throws Exception {
        Map<String, float[]> m = new LinkedHashMap<>();
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            int n = in.readInt();
            for (int k = 0; k < n; k++) {
                String name = in.readUTF();
                float[] v = new float[in.readInt()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = in.readFloat();
                }
                m.put(name, v);
            }
        }
        return m;
    }
}
