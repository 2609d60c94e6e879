package org.hvd4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.hvd4j.tensor.ops.Activations;
import org.hvd4j.tensor.ops.Arith;
import org.hvd4j.tensor.ops.Losses;
import org.junit.jupiter.api.Test;

/**
 * A warmed-up training step of a 784-512-10 MLP on a batch of 128 (linear, ReLU, linear,
 * cross-entropy, backward, SGD) must take every device buffer from the pool and allocate little on
 * the Java heap: the per-step garbage is tensor and node objects, not data.
 */
class TrainingStepMemoryTest {
    private static final Backend B = CpuBackend.get();
    private static final int BATCH = 128;
    private static final int IN = 784;
    private static final int HIDDEN = 512;
    private static final int CLASSES = 10;

    /** Heap budget per step; a step makes a few dozen small objects (tensors, shapes, nodes, maps). */
    private static final long HEAP_BYTES_PER_STEP_LIMIT = 200_000;

    private final Tensor[] params;
    private final Tensor x;
    private final Tensor labels;

    TrainingStepMemoryTest() {
        Random rng = new Random(1);
        params = new Tensor[] {
            param(rng, 1 / Math.sqrt(IN), HIDDEN, IN).name("fc1.weight"),
            param(rng, 0.01, HIDDEN).name("fc1.bias"),
            param(rng, 1 / Math.sqrt(HIDDEN), CLASSES, HIDDEN).name("fc2.weight"),
            param(rng, 0.01, CLASSES).name("fc2.bias")};
        float[] xv = new float[BATCH * IN];
        for (int i = 0; i < xv.length; i++) {
            xv[i] = rng.nextFloat();
        }
        x = Tensor.of(B, xv, BATCH, IN);
        int[] lv = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            lv[i] = rng.nextInt(CLASSES);
        }
        labels = Tensor.ofInts(B, lv, BATCH);
    }

    private static Tensor param(Random rng, double scale, int... dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
        }
        return Tensor.of(B, v, dims).requiresGrad(true);
    }

    private float step() {
        try (TensorScope scope = TensorScope.open()) {
            Tensor h = Activations.relu(Arith.linear(x, params[0], params[1]));
            Tensor loss = Losses.crossEntropy(Arith.linear(h, params[2], params[3]), labels);
            for (Tensor p : params) {
                p.zeroGrad();
            }
            loss.backward();
            for (Tensor p : params) {
                B.sgdUpdate(p, p.grad(), null, 0.05f, 0f, 0f, 0f, false, false);
            }
            return loss.item();
        }
    }

    @Test
    void warmedUpStepsAllocateNoDeviceMemoryAndLittleHeap() {
        float first = step();
        long freshAfterWarmup = B.freshAllocations();
        for (int i = 0; i < 20; i++) {
            step();
        }
        assertEquals(freshAfterWarmup, B.freshAllocations(), "20 warmed-up steps must be served by the pool");

        // let the JIT compile the step before measuring: escape analysis removes some garbage, and the
        // Vector API kernels box every vector until C2 has compiled them (about 500 KB per step), which
        // can take longer than a fixed number of steps when the compiler is busy with earlier tests; so
        // at least 40 steps, then until one step stays under the limit (at most 3000)
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 40; i++) {
            step();
        }
        for (int i = 0; i < 3000; i++) {
            long b0 = mx.getCurrentThreadAllocatedBytes();
            step();
            if (mx.getCurrentThreadAllocatedBytes() - b0 < HEAP_BYTES_PER_STEP_LIMIT) {
                break;
            }
        }
        long[] ids = mx.getAllThreadIds();
        long allBefore = sum(mx.getThreadAllocatedBytes(ids));
        long before = mx.getCurrentThreadAllocatedBytes();
        int steps = 20;
        float last = 0;
        for (int i = 0; i < steps; i++) {
            last = step();
        }
        long perStep = (mx.getCurrentThreadAllocatedBytes() - before) / steps;
        long allPerStep = (sum(mx.getThreadAllocatedBytes(ids)) - allBefore) / steps;
        System.out.printf("MLP %d-%d-%d batch %d: %d heap bytes per step on the calling thread, %d on all threads;"
                + " loss %.4f -> %.4f%n", IN, HIDDEN, CLASSES, BATCH, perStep, allPerStep, first, last);
        assertEquals(freshAfterWarmup, B.freshAllocations());
        assertTrue(perStep < HEAP_BYTES_PER_STEP_LIMIT, perStep + " heap bytes per step");
        assertTrue(last < first, "the step trains: loss " + first + " -> " + last);
    }

    private static long sum(long[] v) {
        long s = 0;
        for (long x : v) {
            s += Math.max(0, x);
        }
        return s;
    }
}
