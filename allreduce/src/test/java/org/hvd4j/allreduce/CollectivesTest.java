package org.hvd4j.allreduce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.hvd4j.allreduce.runtime.RuntimeConfig;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every collective of the public API, on 3 ranks (threads), over each transport. */
class CollectivesTest {
    private static final Backend CPU = CpuBackend.get();

    private static List<String> run(String transport, LocalJob.Body<String> body) throws Exception {
        RuntimeConfig rc = RuntimeConfig.defaults().withTransport(transport.equals("hierarchical2") ? "hierarchical"
                : transport);
        int hosts = transport.equals("hierarchical2") ? 2 : 1;
        int n = hosts == 2 ? 4 : 3;
        return LocalJob.run(n, hosts, rc, body);
    }


    @ParameterizedTest
    @ValueSource(strings = {"shm", "tcp", "hierarchical2"})
    void allreduceOfSameSeedDataIsNTimesTheData(String transport) throws Exception {
        LocalJob.allOk(run(transport, rt -> {
            int n = rt.size();
            StringBuilder err = new StringBuilder();
            for (int count : new int[] {0, 1, 17, 1000, 70_001}) {
                Random rnd = new Random(42);
                float[] x = new float[count];
                for (int i = 0; i < count; i++) {
                    x[i] = rnd.nextInt(200) - 100;
                }
                Tensor t = Tensor.of(CPU, x, count);
                Tensor sum = rt.allreduce(t, Reduction.SUM);
                Tensor avg = rt.allreduce(t, Reduction.AVERAGE);
                Tensor max = rt.allreduce(Tensor.of(CPU, new float[] {rt.rank()}, 1), Reduction.MAX);
                float[] s = sum.toFloatArray();
                float[] a = avg.toFloatArray();
                for (int i = 0; i < count; i++) {
                    if (s[i] != x[i] * n || a[i] != x[i] * n * (1f / n)) {
                        err.append("count ").append(count).append(" element ").append(i).append(": ").append(s[i]);
                        break;
                    }
                }
                if (max.item() != n - 1) {
                    err.append("max ").append(max.item());
                }
                if (!java.util.Arrays.equals(t.toFloatArray(), x)) {
                    err.append("allreduce changed its input");
                }
            }
            return err.toString();
        }));
    }

    @ParameterizedTest
    @ValueSource(strings = {"shm", "tcp"})
    void asyncHandlesCompleteInAnyWaitOrderAndRanksMaySubmitInAnyOrder(String transport) throws Exception {
        LocalJob.allOk(run(transport, rt -> {
            int k = 12;
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                order.add(i);
            }
            java.util.Collections.shuffle(order, new Random(rt.rank()));
            Tensor[] ts = new Tensor[k];
            List<Handle<Tensor>> hs = new ArrayList<>();
            for (int i : order) {
                ts[i] = Tensor.full(CPU, i + 1, 100 * (i + 1));
                hs.add(rt.allreduceAsync(ts[i], "t" + i, Reduction.SUM));
            }
            java.util.Collections.reverse(hs);
            hs.forEach(Handle::await);
            for (int i = 0; i < k; i++) {
                for (float v : ts[i].toFloatArray()) {
                    if (v != (i + 1) * rt.size()) {
                        return "tensor " + i + " has " + v;
                    }
                }
            }
            return "";
        }));
    }

    @ParameterizedTest
    @ValueSource(strings = {"shm", "tcp", "hierarchical2"})
    void gatherBroadcastScatterAlltoall(String transport) throws Exception {
        LocalJob.allOk(run(transport, rt -> {
            int r = rt.rank();
            int n = rt.size();
            // allgather: rank r contributes r+1 rows of 3
            float[] rows = new float[3 * (r + 1)];
            java.util.Arrays.fill(rows, r);
            Tensor g = rt.allgather(Tensor.of(CPU, rows, r + 1, 3));
            if (g.dim(0) != n * (n + 1) / 2 || g.dim(1) != 3) {
                return "allgather shape " + g.shape();
            }
            float[] gv = g.toFloatArray();
            int p = 0;
            for (int j = 0; j < n; j++) {
                for (int q = 0; q < 3 * (j + 1); q++) {
                    if (gv[p++] != j) {
                        return "allgather value at " + (p - 1);
                    }
                }
            }
            // broadcast from the last rank
            Tensor b = Tensor.full(CPU, r * 10, 5, 2);
            rt.broadcast(b, n - 1);
            for (float v : b.toFloatArray()) {
                if (v != (n - 1) * 10) {
                    return "broadcast " + v;
                }
            }
            // reducescatter of 7 rows: ranks get 3,2,2 (or 2,2,2,1) rows of the sum
            float[] m = new float[7 * 2];
            for (int i = 0; i < m.length; i++) {
                m[i] = i;
            }
            Tensor rs = rt.reducescatter(Tensor.of(CPU, m, 7, 2), Reduction.SUM);
            int first = 0;
            for (int j = 0; j < r; j++) {
                first += 7 / n + (j < 7 % n ? 1 : 0);
            }
            int mine = 7 / n + (r < 7 % n ? 1 : 0);
            if (rs.dim(0) != mine) {
                return "reducescatter rows " + rs.shape();
            }
            float[] rv = rs.toFloatArray();
            for (int i = 0; i < rv.length; i++) {
                if (rv[i] != (first * 2 + i) * n) {
                    return "reducescatter value " + rv[i];
                }
            }
            // alltoall: rank r sends j+1 rows to rank j, each row = [r, j]
            int[] splits = new int[n];
            int total = 0;
            for (int j = 0; j < n; j++) {
                splits[j] = j + 1;
                total += j + 1;
            }
            float[] send = new float[2 * total];
            p = 0;
            for (int j = 0; j < n; j++) {
                for (int q = 0; q < j + 1; q++) {
                    send[p++] = r;
                    send[p++] = j;
                }
            }
            HvdRuntime.AlltoallResult a = rt.alltoall(Tensor.of(CPU, send, total, 2), splits);
            if (a.tensor().dim(0) != n * (r + 1)) {
                return "alltoall rows " + a.tensor().shape();
            }
            float[] av = a.tensor().toFloatArray();
            p = 0;
            for (int j = 0; j < n; j++) {
                if (a.receivedSplits()[j] != r + 1) {
                    return "alltoall splits " + java.util.Arrays.toString(a.receivedSplits());
                }
                for (int q = 0; q < r + 1; q++) {
                    if (av[p++] != j || av[p++] != r) {
                        return "alltoall row from " + j;
                    }
                }
            }
            rt.barrier();
            String cfg = rt.broadcastObject(r == 1 ? "config from rank 1" : null, 1);
            if (!"config from rank 1".equals(cfg)) {
                return "broadcastObject " + cfg;
            }
            List<Integer> all = rt.allgatherObject(r * r);
            for (int j = 0; j < n; j++) {
                if (all.get(j) != j * j) {
                    return "allgatherObject " + all;
                }
            }
            return "";
        }));
    }

    @ParameterizedTest
    @ValueSource(strings = {"shm", "tcp", "hierarchical2"})
    void fusedAndUnfusedResultsAreBitIdentical(String transport) throws Exception {
        List<int[]> fused = bits(transport, RuntimeConfig.DEFAULT_FUSION_THRESHOLD);
        List<int[]> unfused = bits(transport, 0);
        for (int r = 0; r < fused.size(); r++) {
            assertArrayEquals(fused.get(0), fused.get(r), "same bits on every rank");
            assertArrayEquals(unfused.get(r), fused.get(r), "fused = unfused on rank " + r);
        }
    }

    /** The bits of several random tensors allreduced together (AVERAGE), concatenated. */
    private static List<int[]> bits(String transport, long threshold) throws Exception {
        RuntimeConfig rc = RuntimeConfig.defaults().withTransport(transport.equals("hierarchical2") ? "hierarchical"
                : transport).withFusionThreshold(threshold);
        int hosts = transport.equals("hierarchical2") ? 2 : 1;
        return LocalJob.run(hosts == 2 ? 4 : 3, hosts, rc, rt -> {
            int[] sizes = {5, 1000, 17, 100_003, 33_333, 2}; // 100_003 floats: reduced in place, the rest packed
            Random rnd = new Random(7 + rt.rank());
            List<Tensor> ts = new ArrayList<>();
            List<Handle<Tensor>> hs = new ArrayList<>();
            for (int i = 0; i < sizes.length; i++) {
                float[] x = new float[sizes[i]];
                for (int e = 0; e < x.length; e++) {
                    x[e] = (float) (rnd.nextGaussian() * Math.exp(3 * rnd.nextGaussian()));
                }
                Tensor t = Tensor.of(CPU, x, x.length);
                ts.add(t);
                hs.add(rt.allreduceAsync(t, "g" + i, Reduction.AVERAGE));
            }
            hs.forEach(Handle::await);
            int total = java.util.Arrays.stream(sizes).sum();
            int[] out = new int[total];
            int p = 0;
            for (Tensor t : ts) {
                for (float v : t.toFloatArray()) {
                    out[p++] = Float.floatToRawIntBits(v);
                }
            }
            return out;
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"shm", "tcp"})
    void mismatchedShapesRaiseOnEveryRankNamingTensorAndRanks(String transport) throws Exception {
        LocalJob.allOk(run(transport, rt -> {
            Tensor t = Tensor.zeros(CPU, rt.rank() == 1 ? 5 : 4);
            HvdException e = assertThrows(HvdException.class, () -> rt.allreduceAsync(t, "fc1.weight", Reduction.SUM).await());
            String want = "Mismatched tensor shape for 'fc1.weight': rank 0 has [4], rank 1 has [5], rank 2 has [4]";
            if (!e.getMessage().equals(want)) {
                return e.getMessage();
            }
            // the job goes on: a matching collective afterwards works
            Tensor ok = rt.allreduce(Tensor.full(CPU, 1f, 3), Reduction.SUM);
            return ok.toFloatArray()[0] == rt.size() ? "" : "after the error: " + ok.toFloatArray()[0];
        }));
    }

    @ParameterizedTest
    @ValueSource(strings = {"shm", "tcp"})
    void joinLetsRanksWithFewerBatchesFinish(String transport) throws Exception {
        LocalJob.allOk(run(transport, rt -> {
            int batches = 3 + 2 * rt.rank(); // 3, 5, 7 steps
            Tensor g = Tensor.zeros(CPU, 10);
            for (int s = 0; s < batches; s++) {
                CPU.fill(g, 1f);
                rt.allreduceAsync(g, "grad", Reduction.AVERAGE).await();
                int contributors = rt.size() - (s >= 3 ? 1 : 0) - (s >= 5 ? 1 : 0);
                float want = 1f * contributors * (1f / contributors);
                if (g.toFloatArray()[0] != want) {
                    return "step " + s + ": " + g.toFloatArray()[0];
                }
            }
            int last = rt.join();
            return last == rt.size() - 1 ? "" : "last joined " + last;
        }));
    }

    @org.junit.jupiter.api.Test
    void aSingleProcessJobRunsEveryCollective() {
        HvdRuntime rt = HvdRuntime.start(JobConfig.single());
        try {
            Tensor t = Tensor.of(CPU, new float[] {1, 2, 3}, 3);
            assertArrayEquals(new float[] {1, 2, 3}, rt.allreduce(t, Reduction.AVERAGE).toFloatArray());
            assertEquals(3, rt.allgather(t).numel());
            rt.broadcast(t, 0);
            assertEquals(3, rt.reducescatter(t, Reduction.SUM).numel());
            assertEquals(3, rt.alltoall(t, new int[] {3}).tensor().numel());
            rt.barrier();
            assertEquals("x", rt.broadcastObject("x", 0));
            assertEquals(0, rt.join());
            assertEquals("solo", rt.transport());
        } finally {
            rt.shutdown();
        }
        HvdException e = assertThrows(HvdException.class, () -> rt.allreduce(Tensor.zeros(CPU, 1), Reduction.SUM));
        assertTrue(e.getMessage().contains("shut down"), e.getMessage());
    }
}
