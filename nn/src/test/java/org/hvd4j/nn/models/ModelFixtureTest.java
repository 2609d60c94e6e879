package org.hvd4j.nn.models;

import static org.hvd4j.nn.Approx.RTOL;
import static org.hvd4j.nn.Approx.assertClose;
import static org.hvd4j.nn.Approx.assertMatches;
import static org.hvd4j.nn.Approx.ints;
import static org.hvd4j.nn.Approx.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.fixtures.Fixture;
import org.hvd4j.nn.loss.Loss;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The three built-in models against the same networks in PyTorch (scripts/make_fixtures.py), with
 * every parameter overwritten by the fixture's rule-generated weights: parameter names and shapes
 * (PyTorch interchange naming), logits, the cross-entropy loss, per-parameter gradient checksums
 * after backward, and for cnn-bn the running statistics after the one training-mode forward.
 */
class ModelFixtureTest {
    /**
     * Logits are O(1) (up to 3.3) sums of 3136- and 1024-term float32 dot products after one or
     * two convolutions; PyTorch's own float32 logits are up to 2.3e-6 away from the same network
     * evaluated in float64 (cnn-bn; 1.3e-5 relative for a logit of -0.13 in cnn), and ours are
     * within 1.3e-6 of float64, so the two float32 results can differ by a few 1e-6 absolute. An
     * absolute floor of 1e-5 (3e-6 of the largest logit) keeps the relative 1e-5 for the rest.
     */
    private static final double LOGITS_ATOL = 1e-5;
    /**
     * Per-element relative agreement of the gradients. Measured: the sums agree to at most 1e-6
     * of Σ|g|, sums of squares to 5e-7 relative, head elements to 2.2e-6 of rms(g); 1e-5 leaves a
     * margin of ~5 for other BLAS builds and thread counts (different summation orders).
     */
    private static final double GRAD_RTOL = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn", "cnn-bn"})
    void modelMatchesPyTorch(String name) {
        Fixture f = Fixture.load(name);
        Module model = Models.create(name, CpuBackend.get());
        model.train();
        Map<String, Tensor> params = model.namedParameters();

        // Names and shapes, in order, equal PyTorch's named_parameters() / state_dict.
        List<String> ourNames = new ArrayList<>(params.keySet());
        assertEquals(f.parameterNames(), ourNames, name + " parameter names");
        List<String> theirBuffers = new ArrayList<>();
        for (Fixture.StateEntry e : f.stateDict()) {
            if (e.parameter()) {
                Tensor p = params.get(e.name());
                assertArrayEquals(e.shape(), p.shape().dims(), name + " shape of " + e.name());
                float[] v = e.generate();
                p.backend().copyIn(v, 0, p, 0, v.length);
            } else if (!e.name().endsWith(".num_batches_tracked")) {
                // num_batches_tracked only matters to PyTorch with momentum=None; we keep no such counter
                theirBuffers.add(e.name());
                Tensor b = model.namedBuffers().get(e.name());
                assertNotNull(b, name + " has no buffer " + e.name());
                assertArrayEquals(e.shape(), b.shape().dims(), name + " shape of " + e.name());
                assertArrayEquals(filled(b.numel(), (float) e.init()), b.toFloatArray(), e.name() + " initial value");
            }
        }
        assertEquals(theirBuffers, new ArrayList<>(model.namedBuffers().keySet()), name + " buffer names");

        Tensor x = tensor(f, "x");
        assertEquals(f.longParam("input_bits_sum"), Fixture.Rule.bitsSum(x.toFloatArray()));
        Tensor logits = model.forward(x);
        assertMatches(f, "logits", logits, RTOL, LOGITS_ATOL);
        Tensor loss = Loss.crossEntropy(0f).apply(logits, ints(f, "labels"));
        assertClose(name + ": loss", f.scalar("loss"), loss.item(), RTOL, 0);

        // Batch statistics are accumulated in double by both PyTorch and us: the default tolerance.
        for (String b : theirBuffers) {
            assertMatches(f, b, model.namedBuffers().get(b));
        }

        loss.backward();
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            String pname = e.getKey();
            String bn = pname.matches("conv\\d+\\.bias") ? pname.replace("conv", "bn").replace(".bias", "") : null;
            if (bn != null && params.containsKey(bn + ".bias")) {
                checkVanishingGradient(f, pname, e.getValue().grad(), bn + ".bias");
            } else {
                checkGradient(f, pname, e.getValue().grad());
            }
        }
    }

    /**
     * The bias of a convolution followed by a training-mode BatchNorm has a gradient of exactly 0
     * (the batch mean subtracts it out), so PyTorch's values and ours are both rounding noise
     * (~1e-7, uncorrelated) and cannot be compared element by element. Instead both must be
     * negligible next to the gradient of the BatchNorm's own bias (Σ of the same upstream
     * gradient before normalisation): below 1e-5 of its rms (measured: PyTorch 1.5e-6, ours 1.3e-6).
     */
    private static void checkVanishingGradient(Fixture f, String pname, Tensor grad, String bnBias) {
        assertNotNull(grad, f.name() + ": no gradient for " + pname);
        float[] g = grad.toFloatArray();
        double scale = Math.sqrt(f.scalar(bnBias + ".grad_sumsq") / g.length);
        double theirs = Math.sqrt(f.scalar(pname + ".grad_sumsq") / g.length);
        double ours = 0;
        for (float v : g) {
            ours += (double) v * v;
        }
        ours = Math.sqrt(ours / g.length);
        assertTrue(theirs <= VANISHING * scale, f.name() + ": PyTorch's " + pname + ".grad rms " + theirs
                + " is not negligible next to " + bnBias + ".grad rms " + scale);
        assertTrue(ours <= VANISHING * scale, f.name() + ": our " + pname + ".grad rms " + ours
                + " is not negligible next to " + bnBias + ".grad rms " + scale + " (PyTorch's: " + theirs + ")");
    }

    private static final double VANISHING = 1e-5;

    /**
     * Checks one parameter's gradient through the fixture's checksums. If every element agrees to a
     * relative {@code δ}, then the sum agrees to {@code δ·Σ|g|} (the sum itself may cancel to ~0,
     * as for the last layer, whose softmax gradient sums to zero over the classes) and the sum of
     * squares to {@code 2δ} relative; the first 8 elements are compared one by one, with an
     * absolute floor of {@code δ·rms(g)} for elements that are small only by cancellation.
     */
    private static void checkGradient(Fixture f, String pname, Tensor grad) {
        String what = f.name() + ": " + pname + ".grad";
        assertNotNull(grad, f.name() + ": no gradient for " + pname);
        float[] g = grad.toFloatArray();
        double sum = 0;
        double sumAbs = 0;
        double sumsq = 0;
        for (float v : g) {
            sum += v;
            sumAbs += Math.abs(v);
            sumsq += (double) v * v;
        }
        double expSumsq = f.scalar(pname + ".grad_sumsq");
        double rms = Math.sqrt(expSumsq / g.length);
        assertClose(what + " sum", f.scalar(pname + ".grad_sum"), sum, 0, GRAD_RTOL * sumAbs);
        assertClose(what + " sum of squares", expSumsq, sumsq, 2 * GRAD_RTOL, 0);
        assertClose(what + " head", f.floats(pname + ".grad_head"), Arrays.copyOf(g, 8), GRAD_RTOL, GRAD_RTOL * rms);
    }

    private static float[] filled(int n, float v) {
        float[] out = new float[n];
        Arrays.fill(out, v);
        return out;
    }
}
