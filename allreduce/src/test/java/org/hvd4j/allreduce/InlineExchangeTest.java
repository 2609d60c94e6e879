package org.hvd4j.allreduce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.hvd4j.allreduce.runtime.InlineExchange;
import org.hvd4j.allreduce.runtime.RuntimeConfig;
import org.hvd4j.allreduce.shm.ShmCommunicator;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.Sequential;
import org.hvd4j.nn.init.Rng;
import org.hvd4j.nn.layers.Linear;
import org.hvd4j.nn.layers.Act;
import org.hvd4j.nn.optim.Sgd;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.TensorScope;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.hvd4j.tensor.ops.Losses;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The distributed optimizer's exchange on the training thread ({@code HVD4J_INLINE_EXCHANGE=on})
 * against the engine's ({@code off}) on ranks as threads: the same bits, the fallback to the
 * engine when ranks differ (mismatches still raise by name), and {@code join}.
 */
class InlineExchangeTest {
    private static final Backend CPU = CpuBackend.get();

    private static RuntimeConfig config(String transport, String inline) {
        return RuntimeConfig.defaults().withTransport(transport).withInlineExchange(inline);
    }

    /**
     * Five SGD steps (momentum, weight decay) of a 300-256-10 MLP on each rank's own random batch:
     * fc1.weight (300 KB) is reduced in place, the rest packed into the fusion buffer. Returns each
     * rank's parameters, concatenated, and how many exchanges ran on its training thread.
     */
    private static List<Object[]> train(int ranks, RuntimeConfig rc) throws Exception {
        return train(ranks, rc, -1, 300);
    }

    /**
     * The same; from step {@code replaceAt} on (if at least 0), rank 1 keeps fc1.weight's gradient
     * in a buffer of its own again, as a user who replaced it would. Element 2: whether the
     * gradients ended in a shared buffer; element 3: how many allreduces the engine's shared-memory
     * transport found in shared memory on every rank (-1 on another transport). {@code inputs}:
     * fc1's input width (300: fc1.weight 300 KB; 1100: 1.1 MB, enough for the engine to place it).
     */
    private static List<Object[]> train(int ranks, RuntimeConfig rc, int replaceAt, int inputs) throws Exception {
        return LocalJob.run(ranks, rc, rt -> {
            Rng rng = new Rng(7);
            Module m = new Sequential().add("fc1", new Linear(CPU, inputs, 256, true, rng)).add("relu", Act.relu())
                    .add("fc2", new Linear(CPU, 256, 10, true, rng));
            DistributedOptimizer opt = DistributedOptimizer.builder(new Sgd(m.parameters(), 0.05f, 0.9f, 0f, 1e-4f, false))
                    .runtime(rt).build();
            java.util.Random data = new java.util.Random(100 + rt.rank());
            float[] x = new float[16 * inputs];
            int[] y = new int[16];
            for (int s = 0; s < 5; s++) {
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) data.nextGaussian();
                }
                for (int i = 0; i < y.length; i++) {
                    y[i] = (int) (data.nextDouble() * 10);
                }
                if (s == replaceAt && rt.rank() == 1) {
                    Tensor w = m.namedParameters().get("fc1.weight");
                    w.setGradBuffer(TensorScope.persistent(() -> Tensor.zeros(CPU, 256, inputs)));
                }
                try (TensorScope scope = TensorScope.open()) {
                    opt.zeroGrad();
                    Losses.crossEntropy(m.forward(Tensor.of(CPU, x, 16, inputs)), Tensor.ofInts(CPU, y, 16), 0f).backward();
                    opt.step();
                }
            }
            List<Float> all = new ArrayList<>();
            for (Tensor p : m.parameters()) {
                for (float v : p.toFloatArray()) {
                    all.add(v);
                }
            }
            float[] flat = new float[all.size()];
            for (int i = 0; i < flat.length; i++) {
                flat[i] = all.get(i);
            }
            InlineExchange inline = rt.inlineExchange();
            long zeroCopy = rt.communicator() instanceof ShmCommunicator shm ? shm.sharedAllreduces() : -1;
            return new Object[] {flat, inline == null ? -1L : inline.rounds(), opt.gradientsShared(), zeroCopy};
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"shm", "tcp"})
    void theTrainingThreadsExchangeGivesTheEnginesBits(String transport) throws Exception {
        List<Object[]> engine = train(3, config(transport, "off"));
        List<Object[]> inline = train(3, config(transport, "on"));
        for (int r = 0; r < 3; r++) {
            assertEquals(-1L, engine.get(r)[1], "off: no inline channel on rank " + r);
            assertEquals(5L, inline.get(r)[1], "on: one agreement per step on rank " + r);
            assertArrayEquals((float[]) engine.get(r)[0], (float[]) inline.get(r)[0], "rank " + r);
            // and the ranks agree with each other (they started from the same seed)
            assertArrayEquals((float[]) inline.get(0)[0], (float[]) inline.get(r)[0], "rank " + r + " against rank 0");
            // on shared memory the gradients moved into a shared buffer after the first step
            assertEquals(transport.equals("shm"), inline.get(r)[2], "gradients shared on rank " + r);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"shm", "tcp"})
    void theEnginePathMovesLargeGradientsIntoSharedMemoryWithTheSameBits(String transport) throws Exception {
        // fc1.weight of 256 x 1100 floats (1.1 MB) moves into shared memory after the first step,
        // and the engine then reduces it where it lies in steps 2 to 5; the bits stay those of
        // the training thread's exchange (itself checked against the engine's copying path above)
        List<Object[]> engine = train(3, config(transport, "off"), -1, 1100);
        List<Object[]> inline = train(3, config(transport, "on"), -1, 1100);
        boolean shm = transport.equals("shm");
        for (int r = 0; r < 3; r++) {
            assertArrayEquals((float[]) inline.get(r)[0], (float[]) engine.get(r)[0], "rank " + r);
            assertEquals(shm, engine.get(r)[2], "engine path: gradients shared on rank " + r);
            assertEquals(shm ? 4L : -1L, engine.get(r)[3], "allreduces reduced where they lie on rank " + r);
        }
    }

    @org.junit.jupiter.api.Test
    void aRankWhoseGradientLeftTheSharedBufferMakesEveryRankCopyWithTheSameBits() throws Exception {
        // from step 3 on, rank 1's fc1.weight gradient lives elsewhere: every rank must take the
        // copying path alike (one rank reducing in place while another copies would mix rounds)
        List<Object[]> engine = train(3, config("shm", "off"));
        List<Object[]> inline = train(3, config("shm", "on"), 3, 300);
        for (int r = 0; r < 3; r++) {
            assertArrayEquals((float[]) engine.get(r)[0], (float[]) inline.get(r)[0], "rank " + r);
            assertEquals(5L, inline.get(r)[1], "every step on the training thread, rank " + r);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "off"})
    void autoAndOffFollowTheCoresAndTheSetting(String mode) throws Exception {
        List<Boolean> has = LocalJob.run(2, config("shm", mode), rt -> rt.inlineExchange() != null);
        boolean want = mode.equals("auto") && 2 >= Runtime.getRuntime().availableProcessors();
        assertEquals(List.of(want, want), has);
    }

    @ParameterizedTest
    @ValueSource(strings = {"shm", "tcp"})
    void ranksThatDifferGoThroughTheEngineWhichNamesTheMismatch(String transport) throws Exception {
        List<String> out = LocalJob.run(2, config(transport, "on"), rt -> {
            assertNotNull(rt.inlineExchange());
            Linear lin = new Linear(CPU, rt.rank() == 1 ? 3 : 2, 1, false, new Rng(1));
            DistributedOptimizer opt = DistributedOptimizer.builder(new Sgd(lin.parameters(), 0.1f, 0f, 0f, 0f, false))
                    .runtime(rt).build();
            try (TensorScope s = TensorScope.open()) {
                Tensor x = Tensor.full(CPU, 1f, 1, rt.rank() == 1 ? 3 : 2);
                Losses.mse(lin.forward(x), Tensor.zeros(CPU, 1, 1)).backward();
                return assertThrows(HvdException.class, opt::step).getMessage();
            }
        });
        for (String m : out) {
            assertTrue(m.contains("Mismatched tensor shape for 'grad.weight': rank 0 has [1, 2], rank 1 has [1, 3]"), m);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"shm", "tcp"})
    void aJoinedRankAnswersTheExchangeAndContributesZeros(String transport) throws Exception {
        // rank r: w = 1, x = r + 1, loss (w x)^2, gradient 2 (r+1)^2 = 2, 8, 18; rank r trains 2 + r steps
        List<String> out = LocalJob.run(3, config(transport, "on"), rt -> {
            Linear lin = new Linear(CPU, 1, 1, false, new Rng(1));
            Tensor w = lin.namedParameters().get("weight");
            CPU.fill(w, 1f);
            DistributedOptimizer opt = DistributedOptimizer.builder(new Sgd(lin.parameters(), 0.1f, 0f, 0f, 0f, false))
                    .runtime(rt).build();
            float[] want = {28f / 3, 28f / 3, 13f, 18f};
            for (int s = 0; s < 2 + rt.rank(); s++) {
                try (TensorScope scope = TensorScope.open()) {
                    opt.zeroGrad();
                    Losses.mse(lin.forward(Tensor.full(CPU, rt.rank() + 1f, 1, 1)), Tensor.zeros(CPU, 1, 1)).backward();
                    opt.synchronize(); // the average over the ranks still training, w left at 1
                    float g = w.grad().toFloatArray()[0];
                    if (Math.abs(g - want[s]) > 1e-5f) {
                        return "rank " + rt.rank() + " step " + s + ": gradient " + g + ", want " + want[s];
                    }
                }
            }
            int last = rt.join();
            return last == 2 ? "" : "last joined " + last;
        });
        assertEquals(List.of("", "", ""), out);
    }

    @org.junit.jupiter.api.Test
    void aRankThatLeavesFailsTheOthersExchangeInsteadOfHangingIt() throws Exception {
        List<String> out = LocalJob.run(2, config("shm", "on"), rt -> {
            if (rt.rank() == 1) {
                return ""; // shuts down at once, without taking part
            }
            Linear lin = new Linear(CPU, 1, 1, false, new Rng(1));
            DistributedOptimizer opt = DistributedOptimizer.builder(new Sgd(lin.parameters(), 0.1f, 0f, 0f, 0f, false))
                    .runtime(rt).build();
            try (TensorScope s = TensorScope.open()) {
                Losses.mse(lin.forward(Tensor.full(CPU, 1f, 1, 1)), Tensor.zeros(CPU, 1, 1)).backward();
                return assertThrows(HvdException.class, opt::step).getMessage();
            }
        });
        // names this rank and the one that left
        assertTrue(out.get(0).contains("training thread of rank 0") && out.get(0).contains("local rank 1"), out.get(0));
    }

    @org.junit.jupiter.api.Test
    void ranksWaitingInDifferentCollectivesAreEndedByTheStallShutdownNotHung() throws Exception {
        // rank 0 reduces a metric before its step, rank 1 after it: with the exchange on the
        // training thread they wait for each other; the stall shutdown time must end both
        RuntimeConfig rc = config("shm", "on").withStall(0.5, 1.5);
        long start = System.nanoTime();
        List<String> out = LocalJob.run(2, rc, rt -> {
            Linear lin = new Linear(CPU, 1, 1, false, new Rng(1));
            DistributedOptimizer opt = DistributedOptimizer.builder(new Sgd(lin.parameters(), 0.1f, 0f, 0f, 0f, false))
                    .runtime(rt).build();
            try (TensorScope s = TensorScope.open()) {
                Losses.mse(lin.forward(Tensor.full(CPU, 1f, 1, 1)), Tensor.zeros(CPU, 1, 1)).backward();
                Tensor metric = Tensor.full(CPU, 1f, 1);
                return assertThrows(HvdException.class, () -> {
                    if (rt.rank() == 0) {
                        rt.allreduceAsync(metric, "loss", Reduction.AVERAGE).await();
                        opt.step();
                    } else {
                        opt.step();
                        rt.allreduceAsync(metric, "loss", Reduction.AVERAGE).await();
                    }
                }).getMessage();
            }
        });
        assertTrue(out.get(0).contains("stall") && out.get(0).contains("loss"), out.get(0));
        assertTrue(out.get(1).contains("training thread of rank 1"), out.get(1));
        assertTrue(System.nanoTime() - start < 30_000_000_000L, "ended by the stall shutdown, not a test timeout");
    }
}
