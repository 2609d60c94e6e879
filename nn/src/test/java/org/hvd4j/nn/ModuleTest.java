package org.hvd4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hvd4j.nn.layers.Act;
import org.hvd4j.nn.layers.BatchNorm;
import org.hvd4j.nn.layers.Dropout;
import org.hvd4j.nn.layers.Linear;
import org.hvd4j.nn.models.Models;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/** Parameter naming, registration errors, train/eval propagation and parameter counts. */
class ModuleTest {
    private static final Backend CPU = CpuBackend.get();

    /** A module that registers what the test asks, to reach the protected registration methods. */
    private static final class Custom extends Module {
        Tensor param(String name) {
            return registerParameter(name, persistent(() -> Tensor.zeros(CPU, 2)));
        }

        Tensor buffer(String name) {
            return registerBuffer(name, persistent(() -> Tensor.zeros(CPU, 2)));
        }

        <M extends Module> M child(String name, M m) {
            return registerModule(name, m);
        }

        @Override
        public Tensor forward(Tensor x) {
            return x;
        }
    }

    @Test
    void namesAreDottedPathsInRegistrationOrder() {
        Module m = Models.create("cnn-bn", CPU);
        List<String> expected = List.of("conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "conv2.weight",
                "conv2.bias", "bn2.weight", "bn2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias");
        assertEquals(expected, new ArrayList<>(m.namedParameters().keySet()));
        assertEquals(List.of("bn1.running_mean", "bn1.running_var", "bn2.running_mean", "bn2.running_var"),
                new ArrayList<>(m.namedBuffers().keySet()));
        // the tensors carry their path too (errors and allreduce name them by it)
        for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
            assertEquals(e.getKey(), e.getValue().name());
            assertTrue(e.getValue().requiresGrad(), e.getKey());
        }
        assertEquals("bn2.running_var", m.namedBuffers().get("bn2.running_var").name());
        assertEquals(new ArrayList<>(m.namedParameters().values()), m.parameters());
    }

    @Test
    void namesAreStableAcrossCallsAndInstances() {
        Module a = Models.create("mlp", CPU);
        Module b = Models.create("mlp", CPU);
        List<String> first = new ArrayList<>(a.namedParameters().keySet());
        assertEquals(first, new ArrayList<>(a.namedParameters().keySet()));
        assertEquals(first, new ArrayList<>(b.namedParameters().keySet()));
        assertEquals(List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"), first);
        // same tensor objects every call
        assertSame(a.namedParameters().get("fc2.bias"), a.namedParameters().get("fc2.bias"));
    }

    @Test
    void nestedAndPositionalNames() {
        Sequential inner = new Sequential().add(new Linear(CPU, 3, 4)).add(Act.relu()).add(new Linear(CPU, 4, 2));
        Custom outer = new Custom();
        outer.param("scale");
        outer.child("block", inner);
        outer.child("norm", BatchNorm.d1(CPU, 2));
        outer.buffer("steps");
        assertEquals(List.of("scale", "block.0.weight", "block.0.bias", "block.2.weight", "block.2.bias",
                "norm.weight", "norm.bias"), new ArrayList<>(outer.namedParameters().keySet()));
        assertEquals(List.of("steps", "norm.running_mean", "norm.running_var"),
                new ArrayList<>(outer.namedBuffers().keySet()));
        assertEquals("block.2.bias", outer.namedParameters().get("block.2.bias").name());
        // a child on its own names relative to itself (as PyTorch's submodule.named_parameters())
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), new ArrayList<>(inner.namedParameters().keySet()));
        assertEquals(2 + 3 * 4 + 4 + 4 * 2 + 2 + 2 + 2, outer.parameterCount());
    }

    @Test
    void registeringADuplicateNameFails() {
        Custom m = new Custom();
        m.param("w");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.param("w"));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("twice"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.buffer("w"));
        assertThrows(IllegalArgumentException.class, () -> m.child("w", new Custom()));
        m.child("sub", new Custom());
        assertThrows(IllegalArgumentException.class, () -> m.param("sub"));
        Sequential s = new Sequential().add("fc", new Linear(CPU, 2, 2));
        e = assertThrows(IllegalArgumentException.class, () -> s.add("fc", new Linear(CPU, 2, 2)));
        assertTrue(e.getMessage().contains("'fc'"), e.getMessage());
        assertEquals(List.of("w"), new ArrayList<>(m.namedParameters().keySet()));
    }

    @Test
    void namesWithDotsOrEmptyAreRejected() {
        Custom m = new Custom();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.param("a.b"));
        assertTrue(e.getMessage().contains("'a.b'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.param(""));
        assertThrows(IllegalArgumentException.class, () -> m.child("x.y", new Custom()));
    }

    @Test
    void trainAndEvalPropagateToEveryDescendant() {
        BatchNorm bn = BatchNorm.d1(CPU, 2);
        Dropout drop = new Dropout(0.5f, 1);
        Sequential inner = new Sequential().add("bn", bn).add("drop", drop);
        Sequential outer = new Sequential().add("fc", new Linear(CPU, 2, 2)).add("inner", inner);
        assertTrue(outer.isTraining() && inner.isTraining() && bn.isTraining() && drop.isTraining());

        assertSame(outer, outer.eval());
        assertFalse(outer.isTraining() || inner.isTraining() || bn.isTraining() || drop.isTraining());
        // behaviour follows: eval BatchNorm leaves its running stats alone, eval Dropout is identity
        Tensor x = Tensor.of(CPU, new float[] {1, 2, 3, 5, 8, 13}, 3, 2);
        Tensor y = inner.forward(x);
        assertArrayEquals(new float[] {0, 0}, bn.runningMean().toFloatArray());
        assertEquals(x.toFloatArray().length, y.toFloatArray().length);

        outer.train();
        assertTrue(outer.isTraining() && inner.isTraining() && bn.isTraining() && drop.isTraining());
        inner.forward(x);
        assertFalse(bn.runningMean().toFloatArray()[0] == 0f, "train-mode BatchNorm updates its running mean");

        inner.eval(); // only a subtree
        assertTrue(outer.isTraining());
        assertFalse(bn.isTraining() || drop.isTraining());
    }

    /** PyTorch's sum(p.numel() for p in model.parameters()) for the same networks (checked by hand). */
    @Test
    void parameterCountsMatchPyTorch() {
        assertEquals(535_818, Models.create("mlp", CPU).parameterCount());
        assertEquals(3_274_634, Models.create("cnn", CPU).parameterCount());
        assertEquals(3_274_826, Models.create("cnn-bn", CPU).parameterCount());
    }

    @Test
    void zeroGradClearsEveryParameter() {
        Linear l = new Linear(CPU, 3, 2);
        Tensor y = l.forward(Tensor.full(CPU, 1f, 4, 3));
        y.backward(Tensor.full(CPU, 1f, 4, 2));
        assertArrayEquals(new float[] {4, 4}, l.bias().grad().toFloatArray());
        l.zeroGrad();
        assertArrayEquals(new float[] {0, 0}, l.bias().grad().toFloatArray());
        assertNull(new Linear(CPU, 3, 2).bias().grad());
    }

    @Test
    void unknownModelNameListsTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Models.create("resnet", CPU));
        assertTrue(e.getMessage().contains("resnet") && e.getMessage().contains("cnn-bn"), e.getMessage());
    }

    @Test
    void askingASubmoduleKeepsTheRootsFullNames() {
        Backend be = CpuBackend.get();
        Sequential inner = new Sequential().add("fc", new Linear(be, 3, 2));
        Sequential root = new Sequential().add("block", inner);
        Tensor w = root.namedParameters().get("block.fc.weight");
        assertEquals("block.fc.weight", w.name());
        assertSame(w, inner.namedParameters().get("fc.weight"));
        assertEquals("block.fc.weight", w.name(), "a submodule query must not shorten the name");
    }
}
