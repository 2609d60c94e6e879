package org.hvd4j.allreduce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.hvd4j.allreduce.net.Secret;
import org.hvd4j.allreduce.rendezvous.RendezvousServer;
import org.hvd4j.allreduce.runtime.RuntimeConfig;
import org.hvd4j.nn.layers.Linear;
import org.hvd4j.nn.optim.Adam;
import org.hvd4j.nn.optim.Optimizer;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.TensorScope;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.hvd4j.tensor.ops.Losses;
import org.junit.jupiter.api.Test;

/** Start-up failures name who is missing; a fresh optimizer receives rank 0's state. */
class StartupAndStateTest {
    @Test
    void aRankThatNeverArrivesIsNamedWhenTheStartTimeoutPasses() throws Exception {
        Secret secret = Secret.random();
        try (RendezvousServer server = RendezvousServer.start(InetAddress.getLoopbackAddress(), 0, secret)) {
            RuntimeConfig rc = RuntimeConfig.fromEnvironment(Map.of("HVD4J_START_TIMEOUT", "1.5"));
            JobConfig job = new JobConfig(new RankInfo(0, 3, -1, -1, -1, -1),
                    InetSocketAddress.createUnresolved("127.0.0.1", server.port()), false, secret, "hostA", "127.0.0.1",
                    rc, "test");
            long t0 = System.nanoTime();
            HvdException e = assertThrows(HvdException.class, () -> HvdRuntime.start(job));
            double s = (System.nanoTime() - t0) / 1e9;
            assertTrue(e.getMessage().contains("ranks [1, 2] of 3 did not reach the rendezvous"), e.getMessage());
            assertTrue(s < 10, "gave up after " + s + " s");
        }
    }

    @Test
    void aWrongSecretIsRejectedAtTheRendezvous() throws Exception {
        try (RendezvousServer server = RendezvousServer.start(InetAddress.getLoopbackAddress(), 0, Secret.random())) {
            JobConfig job = new JobConfig(new RankInfo(0, 2, -1, -1, -1, -1),
                    InetSocketAddress.createUnresolved("127.0.0.1", server.port()), false, Secret.random(), "hostA",
                    "127.0.0.1", RuntimeConfig.defaults(), "test");
            HvdException e = assertThrows(HvdException.class, () -> HvdRuntime.start(job));
            assertTrue(e.getMessage().contains("secret"), e.getMessage());
            // the server counts the rejection after it answered: allow it a moment
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (server.rejectedClients() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, server.rejectedClients());
        }
    }

    @Test
    void aFreshOptimizerReceivesRankZerosState() throws Exception {
        List<float[]> out = LocalJob.run(2, RuntimeConfig.defaults(), rt -> {
            Linear lin = new Linear(CpuBackend.get(), 3, 2, true, new org.hvd4j.nn.init.Rng(5));
            Optimizer opt = Adam.adam(lin.parameters(), 0.01f, 0.9f, 0.999f, 1e-8f, 0f);
            if (rt.rank() == 0) {
                for (int s = 0; s < 3; s++) { // rank 0 has trained (say, resumed from a checkpoint)
                    try (TensorScope scope = TensorScope.open()) {
                        opt.zeroGrad();
                        Losses.mse(lin.forward(Tensor.of(CpuBackend.get(), new float[] {1, 2, 3}, 1, 3)),
                                Tensor.zeros(CpuBackend.get(), 1, 2)).backward();
                        opt.step();
                    }
                }
                opt.setLr(0.005f);
            }
            rt.broadcastParameters(lin, 0);
            rt.broadcastOptimizerState(opt, 0);
            Map<String, Tensor> state = opt.state();
            float[] flat = new float[4 + 6 + 6];
            flat[0] = opt.lr();
            flat[1] = opt.stepCount();
            flat[2] = opt.counters()[0];
            flat[3] = state.size();
            System.arraycopy(state.get("weight.exp_avg").toFloatArray(), 0, flat, 4, 6);
            System.arraycopy(lin.namedParameters().get("weight").toFloatArray(), 0, flat, 10, 6);
            return flat;
        });
        assertEquals(3f, out.get(0)[1]);
        assertEquals(4f, out.get(0)[3], "exp_avg and exp_avg_sq of weight and bias");
        assertArrayEquals(out.get(0), out.get(1), "rank 1 holds rank 0's lr, step count, Adam steps, moments, weights");
    }
}
