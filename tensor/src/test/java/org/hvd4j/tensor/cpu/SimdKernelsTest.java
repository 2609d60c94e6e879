package org.hvd4j.tensor.cpu;

import static org.hvd4j.tensor.cpu.KernelTestSupport.B;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.Consumer;
import org.hvd4j.tensor.Activation;
import org.hvd4j.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Vector API kernels against their staged twins, bit for bit: lengths around the vector width
 * (tails), tensors at an offset inside their storage (views), and values that tell a different
 * order of operations apart (ties at zero, signed zeros, denormals, NaN, infinities).
 */
class SimdKernelsTest {
    private static final int[] LENGTHS = {0, 1, 3, 15, 16, 17, 31, 64, 100, 4097, 9000};

    @BeforeAll
    static void vectorApiIsOn() {
        assertTrue(Simd.enabled(), "these tests need the JVM option --add-modules jdk.incubator.vector "
                + "(the build's surefire argLine sets it) and no -D" + Simd.PROPERTY + "=false");
    }

    /** Random values with the special ones mixed in. */
    private static float[] values(Random rng, int n) {
        float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-39f, Float.NaN, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, 1f, -1f};
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextInt(8) == 0 ? special[rng.nextInt(special.length)] : (float) (rng.nextGaussian() * 3);
        }
        return v;
    }

    /** A tensor of {@code data} that starts {@code skip} floats into a larger storage. */
    private static Tensor at(Random rng, float[] data, int skip) {
        float[] all = values(rng, skip + data.length + 5);
        System.arraycopy(data, 0, all, skip, data.length);
        return Tensor.of(B, all, all.length).narrowRows(skip, skip + data.length);
    }

    /** The whole storage (offset prefix and suffix included) of a tensor made by {@link #at}. */
    private static float[] storage(Tensor t) {
        float[] all = new float[CpuBackend.f(t).capacity()];
        CpuBackend.f(t).get(0, all);
        return all;
    }

    /** Runs {@code kernel} on copies of the same inputs both ways and compares every float of every storage. */
    private static void sameBits(String what, int n, int tensors, Consumer<Tensor[]> simd, Consumer<Tensor[]> staged) {
        long seed = 31L * n + tensors;
        Tensor[] a = new Tensor[tensors];
        Tensor[] b = new Tensor[tensors];
        Random data = new Random(seed);
        for (int k = 0; k < tensors; k++) {
            float[] v = values(data, n);
            int skip = 1 + k; // different misalignments
            a[k] = at(new Random(seed + k), v, skip);
            b[k] = at(new Random(seed + k), v, skip);
        }
        simd.accept(a);
        staged.accept(b);
        for (int k = 0; k < tensors; k++) {
            assertArrayEquals(storage(b[k]), storage(a[k]), what + ", n = " + n + ", tensor " + k);
        }
    }

    @Test
    void sgdMatchesStagedForEveryVariant() {
        for (int n : LENGTHS) {
            for (float momentum : new float[] {0f, 0.9f}) {
                for (boolean nesterov : new boolean[] {false, true}) {
                    for (boolean first : new boolean[] {false, true}) {
                        float dampening = nesterov ? 0f : 0.1f;
                        if (nesterov && momentum == 0f) {
                            continue;
                        }
                        String what = "sgd momentum " + momentum + " nesterov " + nesterov + " first " + first;
                        sameBits(what, n, 3,
                                t -> CpuOptim.sgdSimd(t[0], t[1], t[2], 0.05f, momentum, dampening, 1e-4f, nesterov, first),
                                t -> CpuOptim.sgdStaged(t[0], t[1], t[2], 0.05f, momentum, dampening, 1e-4f, nesterov,
                                        first));
                    }
                }
            }
        }
    }

    @Test
    void adamMatchesStagedWithCoupledAndDecoupledDecay() {
        for (int n : LENGTHS) {
            for (boolean decoupled : new boolean[] {false, true}) {
                sameBits("adam decoupled " + decoupled, n, 4,
                        t -> CpuOptim.adamSimd(t[0], t[1], t[2], t[3], 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, decoupled,
                                0.0123f, 0.0447f),
                        t -> CpuOptim.adamStaged(t[0], t[1], t[2], t[3], 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, decoupled,
                                0.0123f, 0.0447f));
            }
        }
    }

    @Test
    void reluForwardAndBackwardMatchStaged() {
        for (int n : LENGTHS) {
            sameBits("relu", n, 2, t -> CpuActivation.reluSimd(t[0], t[1]),
                    t -> CpuActivation.forwardStaged(Activation.RELU, t[0], t[1]));
            // from y (the layer's output) and from x (no output kept)
            sameBits("relu backward from y", n, 3, t -> CpuActivation.reluBackwardSimd(null, t[0], t[1], t[2]),
                    t -> CpuActivation.backwardStaged(Activation.RELU, null, t[0], t[1], t[2]));
            sameBits("relu backward from x", n, 3, t -> CpuActivation.reluBackwardSimd(t[0], null, t[1], t[2]),
                    t -> CpuActivation.backwardStaged(Activation.RELU, t[0], null, t[1], t[2]));
        }
    }

    @Test
    void biasRowsMatchStaged() {
        for (int channels : new int[] {1, 10, 16, 33, 512}) {
            int rows = 7;
            int ch = channels;
            sameBits("bias rows of " + channels, rows * channels, 2,
                    t -> CpuElementwise.addBiasRowsSimd(t[0], t[1].narrowRows(0, ch), rows, ch, t[0]),
                    t -> CpuElementwise.addBiasStaged(t[0], t[1].narrowRows(0, ch), rows, ch, 1, t[0]));
        }
    }

    @Test
    void aViewThatWouldOverrunItsStorageIsRefused() {
        Tensor big = Tensor.zeros(B, 64);
        Tensor small = Tensor.zeros(B, 16);
        // the SIMD kernels index the buffers themselves: a wrong length must throw, not write past the end
        assertThrows(IndexOutOfBoundsException.class, () -> SimdKernels.relu(CpuBackend.bytes(big), 0,
                CpuBackend.bytes(small), 0, 0, 64));
    }
}
