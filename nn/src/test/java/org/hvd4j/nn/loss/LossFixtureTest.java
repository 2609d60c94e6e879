package org.hvd4j.nn.loss;

import static org.hvd4j.nn.Approx.RTOL;
import static org.hvd4j.nn.Approx.assertClose;
import static org.hvd4j.nn.Approx.assertMatches;
import static org.hvd4j.nn.Approx.ints;
import static org.hvd4j.nn.Approx.leaf;
import static org.hvd4j.nn.Approx.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hvd4j.nn.fixtures.Fixture;
import org.hvd4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The losses of {@link Loss} against PyTorch (mean reduction): the scalar loss, and the gradient
 * with respect to the logits (or prediction) from {@code loss.backward()}.
 */
class LossFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"cross_entropy", "cross_entropy_label_smoothing"})
    void crossEntropyMatchesPyTorch(String name) {
        Fixture f = Fixture.load(name);
        assertEquals("mean", f.string("reduction"));
        Tensor logits = leaf(f, "logits");
        Tensor loss = Loss.crossEntropy((float) f.param("label_smoothing")).apply(logits, ints(f, "labels"));
        check(f, loss, logits, "grad_logits");
    }

    @Test
    void mseMatchesPyTorch() {
        Fixture f = Fixture.load("mse_loss");
        Tensor input = leaf(f, "input");
        Tensor loss = Loss.mse().apply(input, tensor(f, "target"));
        check(f, loss, input, "grad_input");
    }

    @Test
    void bceWithLogitsMatchesPyTorch() {
        Fixture f = Fixture.load("bce_with_logits");
        Tensor logits = leaf(f, "logits");
        Tensor loss = Loss.bceWithLogits().apply(logits, tensor(f, "target"));
        check(f, loss, logits, "grad_logits");
    }

    /** An upstream gradient other than 1 scales the fused loss gradient (loss·3 → 3·grad). */
    @Test
    void upstreamGradientScalesTheLossGradient() {
        Fixture f = Fixture.load("cross_entropy");
        Tensor logits = leaf(f, "logits");
        Tensor loss = Loss.crossEntropy(0f).apply(logits, ints(f, "labels"));
        loss.backward(Tensor.full(logits.backend(), 3f, 1));
        float[] expected = f.floats("grad_logits");
        for (int i = 0; i < expected.length; i++) {
            expected[i] *= 3f;
        }
        assertClose("3·grad_logits", expected, logits.grad().toFloatArray(), RTOL, 1e-6);
    }

    @Test
    void labelSmoothingOutOfRangeIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Loss.crossEntropy(1.5f));
        assertTrue(e.getMessage().contains("label smoothing") && e.getMessage().contains("1.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Loss.crossEntropy(Float.NaN));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    }

    private static void check(Fixture f, Tensor loss, Tensor input, String gradName) {
        assertArrayEquals(new int[] {1}, loss.shape().dims());
        assertClose(f.name() + ": loss", f.scalar("loss"), loss.item(), RTOL, 0);
        loss.backward();
        assertMatches(f, gradName, input.grad());
    }
}
