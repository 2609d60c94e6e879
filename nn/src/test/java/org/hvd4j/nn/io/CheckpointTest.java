package org.hvd4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hvd4j.hdf5.H5File;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.Sequential;
import org.hvd4j.nn.layers.Dropout;
import org.hvd4j.nn.layers.Linear;
import org.hvd4j.nn.optim.Optimizer;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @TempDir
    Path dir;

    private static void assertSameTensors(Map<String, Tensor> a, Map<String, Tensor> b) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), k);
        }
    }

    @Test
    void layoutHasPyTorchNamesOptimizerGroupAndPositionAttributes() {
        Module m = Steps.model("cnn-bn", 1);
        Optimizer opt = Steps.sgd(m);
        Steps.train(m, opt, 0, 1, true);
        Path f = dir.resolve("c.h5");
        Checkpoint.write(f, m, opt, Steps.at(1, "cnn-bn"));
        try (H5File h = H5File.open(f)) {
            List<String> names = h.datasets();
            for (String p : m.namedParameters().keySet()) {
                assertTrue(names.contains("/" + p), p);
                assertTrue(names.contains("/optimizer/state/" + p + "/momentum_buffer"), p);
            }
            assertTrue(names.contains("/bn1.running_mean"));
            assertTrue(names.contains("/bn2.running_var"));
            assertTrue(names.contains("/bn1.num_batches_tracked"));
            assertTrue(names.contains("/optimizer/step_count"));
            assertArrayEquals(new long[] {32, 1, 5, 5}, h.dataset("conv1.weight").dims());
            assertArrayEquals(new long[] {1024, 3136}, h.dataset("fc1.weight").dims());
            assertArrayEquals(new long[] {1}, h.dataset("bn2.num_batches_tracked").readLongs());
            assertEquals("hvd4j-checkpoint", h.stringAttribute("/", "format").orElseThrow());
            assertEquals(1L, h.longAttribute("/", "format_version").orElseThrow());
            assertEquals(1L, h.longAttribute("/", "global_step").orElseThrow());
            assertEquals(42L, h.longAttribute("/", "sampler_seed").orElseThrow());
            assertEquals(8L, h.longAttribute("/", "sampler_index").orElseThrow()); // step 1 of epoch 0, batch 8
            assertEquals("cnn-bn", h.stringAttribute("/", "model").orElseThrow());
            assertEquals("SGD", h.stringAttribute("/optimizer", "type").orElseThrow());
            assertEquals(0.9, h.numberAttribute("/optimizer", "momentum").orElseThrow(), 1e-7);
            assertEquals(1e-4, h.numberAttribute("/optimizer", "weight_decay").orElseThrow(), 1e-9);
        }
    }

    @Test
    void resumeRestoresEverythingAndContinuesBitIdenticallySgdAndAdam() {
        for (boolean adam : new boolean[] {false, true}) {
            Module a = Steps.model("mlp", 3);
            Optimizer oa = adam ? Steps.adam(a) : Steps.sgd(a);
            Steps.train(a, oa, 0, 3, false);
            Path f = dir.resolve("r" + adam + ".h5");
            Checkpoint.write(f, a, oa, Steps.at(3, "mlp"));
            Steps.train(a, oa, 3, 6, false);

            Module b = Steps.model("mlp", 99); // other initial weights: all must come from the file
            Optimizer ob = adam ? Steps.adam(b) : Steps.sgd(b);
            TrainingState st = Checkpoint.read(f).resume(b, ob);
            assertEquals(3, st.globalStep());
            assertEquals(3, ob.stepCount());
            Steps.train(b, ob, 3, 6, false);
            assertSameTensors(a.namedParameters(), b.namedParameters());
            assertSameTensors(oa.state(), ob.state());
            assertArrayEquals(oa.counters(), ob.counters());
        }
    }

    @Test
    void batchNormBuffersRoundTripAndNumBatchesTrackedIsIgnoredOnLoad() {
        Module a = Steps.model("cnn-bn", 5);
        Optimizer oa = Steps.adam(a);
        Steps.train(a, oa, 0, 2, true);
        Path f = dir.resolve("bn.h5");
        Checkpoint.write(f, a, oa, Steps.at(2, "cnn-bn"));
        Module b = Steps.model("cnn-bn", 6);
        LoadReport r = Checkpoint.read(f).loadWeights(b, true);
        assertTrue(r.exact(), r.problems());
        assertSameTensors(a.namedBuffers(), b.namedBuffers());
        assertSameTensors(a.namedParameters(), b.namedParameters());
    }

    @Test
    void strictLoadListsMissingUnexpectedAndMismatchedNamesAndLoadsNothing() {
        Module small = new Sequential().add("fc1", new Linear(CpuBackend.get(), 784, 512))
                .add("fc2", new Linear(CpuBackend.get(), 512, 128)) // mlp has 512 -> 256
                .add("head", new Linear(CpuBackend.get(), 128, 10));
        Path f = dir.resolve("small.h5");
        Checkpoint.write(f, small, null, null);
        Module mlp = Steps.model("mlp", 7);
        float[] before = mlp.namedParameters().get("fc1.weight").toFloatArray();
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(f).loadWeights(mlp, true));
        String msg = e.getMessage();
        assertTrue(msg.startsWith(f.toString()), msg);
        assertTrue(msg.contains("missing in the file: [fc3.weight, fc3.bias]"), msg);
        assertTrue(msg.contains("unexpected (not in the model): [head.bias, head.weight]"), msg);
        assertTrue(msg.contains("fc2.weight: file [128, 512] vs model [256, 512]"), msg);
        assertTrue(msg.contains("fc2.bias: file [128] vs model [256]"), msg);
        assertArrayEquals(before, mlp.namedParameters().get("fc1.weight").toFloatArray(), "strict failure loads nothing");

        LoadReport r = Checkpoint.read(f).loadWeights(mlp, false);
        assertEquals(List.of("fc1.weight", "fc1.bias"), r.loaded());
        assertEquals(List.of("fc3.weight", "fc3.bias"), r.missing());
        assertEquals(2, r.mismatched().size());
        assertArrayEquals(small.namedParameters().get("fc1.weight").toFloatArray(),
                mlp.namedParameters().get("fc1.weight").toFloatArray());
    }

    @Test
    void damagedCheckpointsAreReportedNamingTheFile() {
        Module m = Steps.model("mlp", 8);
        Optimizer o = Steps.sgd(m);
        Steps.train(m, o, 0, 1, false);
        Path newer = dir.resolve("newer.h5");
        CheckpointWriter w = new CheckpointWriter();
        w.version = 2;
        w.write(newer, m, o, Steps.at(1, "mlp"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(newer));
        assertEquals(newer + ": format version 2 is newer than this hvd4j reads (1); use a newer hvd4j", e.getMessage());

        Path missing = dir.resolve("missing.h5");
        CheckpointWriter w2 = new CheckpointWriter();
        w2.omit = Set.of("fc2.bias");
        w2.write(missing, m, o, Steps.at(1, "mlp"));
        e = assertThrows(CheckpointException.class, () -> Checkpoint.read(missing).checkResumable(m, o));
        assertTrue(e.getMessage().startsWith(missing + ": the weights do not fit the model: missing in the file: [fc2.bias]"),
                e.getMessage());

        Path noState = dir.resolve("nostate.h5");
        CheckpointWriter w3 = new CheckpointWriter();
        w3.omit = Set.of("optimizer/state/fc3.bias/momentum_buffer");
        w3.write(noState, m, o, Steps.at(1, "mlp"));
        e = assertThrows(CheckpointException.class, () -> Checkpoint.read(noState).checkResumable(m, o));
        assertTrue(e.getMessage().contains("content digest mismatch"), e.getMessage());

        Path adamState = dir.resolve("adam.h5");
        Checkpoint.write(adamState, m, o, Steps.at(1, "mlp"));
        Module m2 = Steps.model("mlp", 8);
        e = assertThrows(CheckpointException.class, () -> Checkpoint.read(adamState).checkResumable(m2, Steps.adam(m2)));
        assertTrue(e.getMessage().endsWith("the optimizer state is SGD's, this run uses Adam"), e.getMessage());
    }

    @Test
    void dropoutCountersResumeSoTheNextMasksAreTheStraightRunsOnes() {
        Path f = dir.resolve("drop.h5");
        org.hvd4j.nn.init.Rng.manualSeed(11);
        Module a = new Sequential().add("fc", new Linear(CpuBackend.get(), 4, 64)).add("drop", new Dropout(0.5f));
        Optimizer oa = new org.hvd4j.nn.optim.Sgd(a.parameters(), 0.1f);
        Tensor x = Tensor.of(CpuBackend.get(), new float[] {1, 2, 3, 4}, 1, 4);
        a.forward(x);
        a.forward(x);
        Checkpoint.write(f, a, oa, Steps.at(2, "drop"));
        float[] next = a.forward(x).toFloatArray();

        org.hvd4j.nn.init.Rng.manualSeed(11);
        Module b = new Sequential().add("fc", new Linear(CpuBackend.get(), 4, 64)).add("drop", new Dropout(0.5f));
        Optimizer ob = new org.hvd4j.nn.optim.Sgd(b.parameters(), 0.1f);
        assertNotEquals(java.util.Arrays.toString(next), java.util.Arrays.toString(b.forward(x).toFloatArray()));
        Checkpoint.read(f).resume(b, ob);
        assertArrayEquals(next, b.forward(x).toFloatArray());
        assertArrayEquals(new long[] {3}, ModuleRng.dropoutCalls(b));
        assertFalse(Checkpoint.read(f).weightNames().contains("rng/dropout_calls/drop"));
    }
}
