package org.hvd4j.allreduce;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;

/**
 * What each rank of the real-process tests runs ({@link MultiProcessTest}): {@code collectives}
 * checks every collective and exits 0, or prints what went wrong and exits 1; {@code die} makes
 * rank 1 die abruptly in the middle of a training-like loop while the others go on.
 */
public final class ScenarioMain {
    private static final Backend CPU = CpuBackend.get();

    private ScenarioMain() {
    }

    public static void main(String[] args) {
        Hvd.init();
        HvdRuntime rt = Hvd.runtime();
        List<String> failures = new ArrayList<>();
        try {
            switch (args[0]) {
                case "collectives" -> collectives(rt, failures);
                case "die" -> die(rt);
                default -> failures.add("unknown scenario " + args[0]);
            }
        } catch (RuntimeException e) {
            e.printStackTrace(System.out);
            failures.add(e.toString());
        }
        Hvd.shutdown();
        if (!failures.isEmpty()) {
            System.out.println("rank " + rt.rank() + " FAILED: " + failures);
            System.exit(1);
        }
        System.out.println("rank " + rt.rank() + " of " + rt.size() + " ok (" + rt.transport() + ")");
        System.exit(0);
    }

    private static void collectives(HvdRuntime rt, List<String> failures) {
        int n = rt.size();
        // same-seed data: the sum is n times the data, exactly (integers in float)
        for (int count : new int[] {0, 1, 7, 1000, 65_537, 300_001}) {
            Random rnd = new Random(1234);
            float[] x = new float[count];
            for (int i = 0; i < count; i++) {
                x[i] = rnd.nextInt(2000) - 1000;
            }
            float[] s = rt.allreduce(Tensor.of(CPU, x, count), Reduction.SUM).toFloatArray();
            for (int i = 0; i < count; i++) {
                if (s[i] != n * x[i]) {
                    failures.add("allreduce of " + count + ": element " + i + " is " + s[i] + ", not " + n * x[i]);
                    break;
                }
            }
        }
        // async handles, awaited in reverse order, submitted in a rank-dependent order
        List<Handle<Tensor>> hs = new ArrayList<>();
        List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7));
        java.util.Collections.shuffle(order, new Random(rt.rank()));
        Tensor[] ts = new Tensor[8];
        for (int i : order) {
            ts[i] = Tensor.full(CPU, i, 1000 * (i + 1) + 3);
            hs.add(rt.allreduceAsync(ts[i], "async." + i, Reduction.AVERAGE));
        }
        for (int k = hs.size() - 1; k >= 0; k--) {
            hs.get(k).await();
        }
        for (int i = 0; i < 8; i++) {
            if (ts[i].toFloatArray()[ts[i].numel() - 1] != i) {
                failures.add("async average of tensor " + i);
            }
        }
        // a mismatch fails on every rank, and the job goes on
        try {
            rt.allreduceAsync(Tensor.zeros(CPU, 3 + (rt.rank() == n - 1 && n > 1 ? 1 : 0)), "mismatch", Reduction.SUM)
                    .await();
            if (n > 1) {
                failures.add("a shape mismatch did not raise");
            }
        } catch (HvdException e) {
            if (!e.getMessage().contains("Mismatched tensor shape for 'mismatch'")) {
                failures.add("mismatch message: " + e.getMessage());
            }
        }
        Tensor g = rt.allgather(Tensor.full(CPU, rt.rank(), rt.rank() + 1));
        if (g.numel() != n * (n + 1) / 2) {
            failures.add("allgather of " + g.numel());
        }
        Tensor b = Tensor.full(CPU, rt.rank(), 10);
        rt.broadcast(b, n - 1);
        if (b.toFloatArray()[9] != n - 1) {
            failures.add("broadcast");
        }
        rt.barrier();
        sharedTensor(rt, failures);
        // join with uneven batch counts: rank r has r + 2 batches
        Tensor grad = Tensor.zeros(CPU, 100);
        for (int s = 0; s < rt.rank() + 2; s++) {
            CPU.fill(grad, 2f);
            rt.allreduceAsync(grad, "grad", Reduction.AVERAGE).await();
            if (grad.toFloatArray()[0] != 2f) {
                failures.add("average with joined ranks at step " + s + ": " + grad.toFloatArray()[0]);
            }
        }
        int last = rt.join();
        if (last != n - 1) {
            failures.add("join returned " + last);
        }
    }

    /**
     * A tensor from {@code sharedTensor} starts at zero and sums exactly; between the processes of
     * one host's shared memory it is shared (and reduced where it lies), over TCP it is not.
     */
    private static void sharedTensor(HvdRuntime rt, List<String> failures) {
        int n = rt.size();
        int count = 300_007;
        Tensor shared = rt.sharedTensor(DType.FLOAT32, count);
        if (shared.toFloatArray()[count - 1] != 0) {
            failures.add("a new shared tensor is not zero");
        }
        Random rnd = new Random(99);
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = rnd.nextInt(2000) - 1000;
        }
        CPU.hostBytes(shared).asFloatBuffer().put(0, x);
        rt.allreduceInPlace(shared, Reduction.SUM);
        float[] s = shared.toFloatArray();
        for (int i = 0; i < count; i++) {
            if (s[i] != n * x[i]) {
                failures.add("allreduce of a shared tensor: element " + i + " is " + s[i] + ", not " + n * x[i]);
                break;
            }
        }
        boolean shm = rt.transport().equals("shm");
        if (n > 1 && (shm || rt.transport().equals("tcp")) && rt.isShared(shared) != shm) {
            failures.add("a shared tensor on " + rt.transport() + ": isShared says " + rt.isShared(shared));
        }
    }

    /** Rank 1 halts (no shutdown, no clean-up) after a few steps; the others keep reducing. */
    private static void die(HvdRuntime rt) {
        Tensor grad = Tensor.zeros(CPU, 50_000);
        for (int s = 0; ; s++) {
            if (rt.rank() == 1 && s == 5) {
                System.out.println("rank 1 halts now");
                System.out.flush();
                Runtime.getRuntime().halt(3);
            }
            rt.allreduceAsync(grad, "grad", Reduction.SUM).await();
        }
    }
}
