package org.hvd4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hvd4j.hdf5.H5Array;
import org.hvd4j.hdf5.H5File;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.optim.Optimizer;
import org.hvd4j.nn.optim.Sgd;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.hvd4j.tensor.ops.Losses;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Weight interchange with PyTorch, both ways. Fixtures: {@code scripts/make_interchange_fixtures.py}
 * (a state_dict written with h5py one dataset per key, a batch, logits, loss, and the state after
 * one SGD step); the reverse direction runs {@code scripts/check_torch_interchange.py} when
 * {@code /usr/bin/python3} has torch and h5py (skipped otherwise).
 */
class TorchInterchangeTest {
    private static final double RTOL = 1e-5;

    @TempDir
    Path tmp;

    static Path resource(String name) {
        try {
            return Path.of(TorchInterchangeTest.class.getResource("/interchange/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** max |a - b| / max |expected|: relative to the tensor's scale, so values near 0 do not blow up. */
    static double relative(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs((double) expected[i] - actual[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return diff / Math.max(scale, 1e-30);
    }

    private static void assertRel(String what, float[] expected, float[] actual, double rtol) {
        double r = relative(expected, actual);
        assertTrue(r <= rtol, what + ": max relative difference " + r + " > " + rtol);
    }

    private static Tensor tensorOf(H5File f, String name) {
        try (H5Array a = f.dataset(name)) {
            int[] dims = java.util.Arrays.stream(a.dims()).mapToInt(Math::toIntExact).toArray();
            return Tensor.of(CpuBackend.get(), a.readFloats(), dims);
        }
    }

    private static float scalar(H5File f, String name) {
        try (H5Array a = f.dataset(name)) {
            return a.readFloats()[0];
        }
    }

    private static int[] labels(H5File f) {
        try (H5Array a = f.dataset("y")) {
            return java.util.Arrays.stream(a.readLongs()).mapToInt(Math::toIntExact).toArray();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn-bn"})
    void aPyTorchStateDictLoadsUnchangedAndGivesTorchsLogitsLossAndSgdStep(String name) {
        Module m = Steps.model(name, 12345); // other initial weights: all must come from the file
        Checkpoint sd = Checkpoint.read(resource(name + "_state_dict.h5"));
        assertTrue(!sd.isHvd4j());
        LoadReport r = sd.loadWeights(m, true); // strict; num_batches_tracked is ignored
        assertTrue(r.exact(), r.problems());
        assertEquals(m.namedParameters().size() + m.namedBuffers().size(), r.loaded().size());
        Map<String, float[]> before = new LinkedHashMap<>();
        Map<String, Tensor> state = new LinkedHashMap<>(m.namedParameters());
        state.putAll(m.namedBuffers());
        state.forEach((k, t) -> before.put(k, t.toFloatArray()));

        try (H5File c = H5File.open(resource(name + "_case.h5"))) {
            Tensor x = tensorOf(c, "x");
            Tensor y = Tensor.ofInts(CpuBackend.get(), labels(c), labels(c).length);
            m.eval();
            Tensor logits = m.forward(x);
            assertRel("eval logits", tensorOf(c, "logits_eval").toFloatArray(), logits.toFloatArray(), RTOL);
            float loss = Losses.crossEntropy(logits, y, 0f).toFloatArray()[0];
            assertRel("eval loss", new float[] {scalar(c, "loss_eval")}, new float[] {loss}, RTOL);

            m.train();
            float lr = (float) (double) c.numberAttribute("/", "lr").orElseThrow();
            float mom = (float) (double) c.numberAttribute("/", "momentum").orElseThrow();
            float wd = (float) (double) c.numberAttribute("/", "weight_decay").orElseThrow();
            int stride = Math.toIntExact(c.longAttribute("/", "stride").orElseThrow());
            Optimizer opt = new Sgd(m.parameters(), lr, mom, 0f, wd, false);
            opt.zeroGrad();
            Tensor trainLogits = m.forward(x);
            assertRel("train logits", tensorOf(c, "logits_train").toFloatArray(), trainLogits.toFloatArray(), RTOL);
            Tensor trainLoss = Losses.crossEntropy(trainLogits, y, 0f);
            assertRel("train loss", new float[] {scalar(c, "loss_train")}, trainLoss.toFloatArray(), RTOL);
            trainLoss.backward();
            opt.step();

            List<String> checked = new ArrayList<>();
            for (Map.Entry<String, Tensor> e : state.entrySet()) {
                String k = e.getKey();
                float[] after = e.getValue().toFloatArray();
                float[] was = before.get(k);
                if (c.hasDataset("after/" + k)) {
                    float[] want = tensorOf(c, "after/" + k).toFloatArray();
                    assertRel(k + " after one SGD step", want, after, RTOL);
                    float[] dWant = new float[want.length];
                    float[] dGot = new float[want.length];
                    for (int i = 0; i < want.length; i++) {
                        dWant[i] = want[i] - was[i];
                        dGot[i] = after[i] - was[i];
                    }
                    // the update itself (lr × (gradient + decay)), not only the weights it moved
                    assertRel(k + " update", dWant, dGot, 2e-3);
                } else {
                    float[] want = tensorOf(c, "after_sampled/" + k).toFloatArray();
                    float[] got = new float[want.length];
                    for (int i = 0; i < got.length; i++) {
                        got[i] = after[i * stride];
                    }
                    assertRel(k + " after one SGD step (every " + stride + "th element)", want, got, RTOL);
                    double[] sums = new double[3];
                    for (int i = 0; i < after.length; i++) {
                        double d = (double) after[i] - was[i];
                        sums[0] += d;
                        sums[1] += Math.abs(d);
                        sums[2] += d * d;
                    }
                    double[] wantSums;
                    try (H5Array a = c.dataset("update_sums/" + k)) {
                        wantSums = a.readDoubles();
                    }
                    assertEquals(wantSums[0], sums[0], 2e-3 * wantSums[1], k + ": sum of the update");
                    assertEquals(wantSums[1], sums[1], 2e-3 * wantSums[1], k + ": sum of |update|");
                    assertEquals(wantSums[2], sums[2], 4e-3 * wantSums[2], k + ": sum of update²");
                }
                checked.add(k);
            }
            assertEquals(state.keySet().size(), checked.size());
        }
    }

    static Path script(String name) {
        Path cwd = Path.of("").toAbsolutePath();
        for (Path p = cwd; p != null; p = p.getParent()) {
            Path s = p.resolve("scripts").resolve(name);
            if (Files.isRegularFile(s)) {
                return s;
            }
        }
        throw new IllegalStateException("scripts/" + name + " not found above " + cwd);
    }

    static boolean pythonHasTorchAndH5py() {
        if (!Files.isExecutable(Path.of("/usr/bin/python3"))) {
            return false;
        }
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import torch, h5py").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn-bn"})
    void ourCheckpointLoadsIntoPyTorchStrictlyAndGivesOurLogits(String name) throws Exception {
        Assumptions.assumeTrue(pythonHasTorchAndH5py(), "/usr/bin/python3 cannot import torch and h5py "
                + "(Debian: apt-get install python3-torch python3-h5py)");
        boolean images = !name.equals("mlp");
        Module m = Steps.model(name, 77);
        Optimizer opt = Steps.sgd(m);
        Steps.train(m, opt, 0, 2, images); // moved weights and batch-norm statistics
        Path ckpt = tmp.resolve(name + ".h5");
        Checkpoint.write(ckpt, m, opt, Steps.at(2, name)); // a full checkpoint: optimizer/ and rng/ groups too

        Path expected = tmp.resolve(name + "-expected.h5");
        try (H5File c = H5File.open(resource(name + "_case.h5")); H5File e = H5File.create(expected)) {
            Tensor x = tensorOf(c, "x");
            int[] y = labels(c);
            m.eval();
            Tensor logits = m.forward(x) /* the mlp flattens [N, 1, 28, 28] itself */;
            float loss = Losses.crossEntropy(logits, Tensor.ofInts(CpuBackend.get(), y, y.length), 0f).toFloatArray()[0];
            e.writeFloats("x", new long[] {x.dim(0), 1, 28, 28}, x.toFloatArray());
            e.writeLongs("y", new long[] {y.length}, java.util.Arrays.stream(y).asLongStream().toArray());
            e.writeFloats("logits", new long[] {logits.dim(0), logits.dim(1)}, logits.toFloatArray());
            e.writeFloats("loss", new long[0], new float[] {loss});
        }
        Process p = new ProcessBuilder("/usr/bin/python3", script("check_torch_interchange.py").toString(), name,
                ckpt.toString(), expected.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "check script timed out");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("ok: " + name), out);
    }
}
