package org.hvd4j.allreduce;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.hvd4j.allreduce.runtime.Payload;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.hvd4j.tensor.cuda.CudaBackend;
import org.hvd4j.tensor.cuda.Devices;

/**
 * What each rank of {@link DeviceCollectivesTest} runs: collectives of CUDA tensors on the
 * emulated device, each checked against the same collective of CPU tensors (the host path) bit
 * for bit. Prints "device collectives: NAME, RUN run" and exits 0, or prints what went wrong and
 * exits 1.
 */
public final class DeviceScenarioMain {
    private static final Backend CPU = CpuBackend.get();
    /** Odd sizes, an empty one, one below and two above the host path's in-place threshold. */
    private static final int[] SIZES = {1000, 0, 7, 1, 70_001, 33, 65_537, 130_000};

    private DeviceScenarioMain() {
    }

    public static void main(String[] args) {
        Hvd.init();
        HvdRuntime rt = Hvd.runtime();
        List<String> failures = new ArrayList<>();
        try (CudaBackend gpu = (CudaBackend) Devices.open("emulated-cuda", 0, 1)) {
            try {
                earlyJoin(rt, gpu, failures);
                fusedSums(rt, gpu, failures);
                scaledAverages(rt, gpu, failures);
                locationMismatch(rt, gpu, failures);
                joinWithUnevenBatches(rt, gpu, failures);
                broadcasts(rt, gpu, failures);
            } catch (RuntimeException e) {
                e.printStackTrace(System.out);
                failures.add(e.toString());
            }
            System.out.println("rank " + rt.rank() + " device collectives: " + rt.deviceCollectives() + ", "
                    + rt.deviceCollectivesRun() + " run");
            Hvd.shutdown();
        }
        if (!failures.isEmpty()) {
            System.out.println("rank " + rt.rank() + " FAILED: " + failures);
            System.exit(1);
        }
        System.out.println("rank " + rt.rank() + " of " + rt.size() + " ok");
        System.exit(0);
    }

    /**
     * The last rank joins before it ever submitted a CUDA tensor (it has no device memory in the
     * runtime's eyes): the others average among themselves on the device, it contributes zeros
     * through the host.
     */
    private static void earlyJoin(HvdRuntime rt, CudaBackend gpu, List<String> failures) {
        int n = rt.size();
        if (rt.rank() == n - 1) {
            int last = rt.join();
            if (n > 1 && (last < 0 || last >= n - 1)) { // it joined first: one of the others joined last
                failures.add("early join returned " + last);
            }
            return;
        }
        for (int s = 0; s < 2; s++) {
            Tensor g = Tensor.full(gpu, rt.rank() + 1, 3000);
            rt.allreduceAsync(g, "early", Reduction.AVERAGE).await();
            float want = n == 1 ? 1 : (n - 1) * n / 2f / (n - 1); // mean of 1..n-1 over the contributors
            float got = g.toFloatArray()[2999];
            if (got != want) {
                failures.add("early-join average at step " + s + ": " + got + ", want " + want);
            }
        }
        rt.join();
    }

    private static float[] data(long seed, int count) {
        Random rnd = new Random(seed);
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    /** Submits every tensor of {@code ts} in one message (one fused response) and waits. */
    private static void fused(HvdRuntime rt, List<Tensor> ts, String prefix, Reduction op, double pre, double post) {
        List<Payload> ps = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<int[]> shapes = new ArrayList<>();
        for (int i = 0; i < ts.size(); i++) {
            ps.add(Payload.of(ts.get(i)));
            names.add(prefix + "." + i);
            shapes.add(ts.get(i).shape().dims());
        }
        rt.allreduceAllAsync(ps, names, shapes, op, pre, post).forEach(Handle::await);
    }

    private static void sameBits(String what, Tensor want, Tensor got, List<String> failures) {
        float[] a = want.toFloatArray();
        float[] b = got.toFloatArray();
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                failures.add(what + ": element " + i + " of " + a.length + " is " + b[i] + " on the device, " + a[i]
                        + " on the host");
                return;
            }
        }
    }

    /** Same-seed integers sum to n·x exactly; rank-dependent Gaussians sum to the host path's bits. */
    private static void fusedSums(HvdRuntime rt, CudaBackend gpu, List<String> failures) {
        int n = rt.size();
        List<Tensor> ints = new ArrayList<>();
        List<float[]> xs = new ArrayList<>();
        for (int count : SIZES) {
            Random rnd = new Random(count);
            float[] x = new float[count];
            for (int i = 0; i < count; i++) {
                x[i] = rnd.nextInt(2000) - 1000;
            }
            xs.add(x);
            ints.add(Tensor.of(gpu, x, count));
        }
        long before = rt.deviceCollectivesRun();
        fused(rt, ints, "ints", Reduction.SUM, 1, 1);
        for (int k = 0; k < SIZES.length; k++) {
            float[] s = ints.get(k).toFloatArray();
            for (int i = 0; i < s.length; i++) {
                if (s[i] != n * xs.get(k)[i]) {
                    failures.add("fused sum of " + SIZES[k] + ": element " + i + " is " + s[i] + ", not " + n * xs.get(k)[i]);
                    break;
                }
            }
        }
        if (rt.deviceCollectivesRun() == before) {
            failures.add("the fused sum of CUDA tensors did not take the device path");
        }
        List<Tensor> dev = new ArrayList<>();
        List<Tensor> host = new ArrayList<>();
        for (int count : SIZES) {
            float[] x = data(31L * count + rt.rank(), count);
            dev.add(Tensor.of(gpu, x, count));
            host.add(Tensor.of(CPU, x, count));
        }
        fused(rt, dev, "gauss.dev", Reduction.SUM, 1, 1);
        fused(rt, host, "gauss.host", Reduction.SUM, 1, 1);
        for (int k = 0; k < SIZES.length; k++) {
            sameBits("fused sum of " + SIZES[k] + " Gaussians", host.get(k), dev.get(k), failures);
        }
        // alone (in place on the tensor) equals fused
        Tensor alone = Tensor.of(gpu, data(31L * 70_001 + rt.rank(), 70_001), 70_001);
        rt.allreduceAsync(alone, "gauss.alone", Reduction.SUM).await();
        sameBits("70001 Gaussians alone vs fused", host.get(4), alone, failures);
    }

    /** AVERAGE with prescale and postscale, fused and alone, against the host path's bits. */
    private static void scaledAverages(HvdRuntime rt, CudaBackend gpu, List<String> failures) {
        List<Tensor> dev = new ArrayList<>();
        List<Tensor> host = new ArrayList<>();
        for (int count : SIZES) {
            float[] x = data(77L * count + rt.rank(), count);
            dev.add(Tensor.of(gpu, x, count));
            host.add(Tensor.of(CPU, x, count));
        }
        fused(rt, dev, "avg.dev", Reduction.AVERAGE, 0.25, 3.0);
        fused(rt, host, "avg.host", Reduction.AVERAGE, 0.25, 3.0);
        for (int k = 0; k < SIZES.length; k++) {
            sameBits("fused average (prescale 0.25, postscale 3) of " + SIZES[k], host.get(k), dev.get(k), failures);
        }
        float[] x = data(5 + rt.rank(), 4097);
        Tensor d = Tensor.of(gpu, x, 4097);
        Tensor h = Tensor.of(CPU, x, 4097);
        rt.allreduceAsync(d, "avg1.dev", Reduction.AVERAGE, 1 / 3.0, 0.7).await();
        rt.allreduceAsync(h, "avg1.host", Reduction.AVERAGE, 1 / 3.0, 0.7).await();
        sameBits("average of one tensor (prescale 1/3, postscale 0.7)", h, d, failures);
    }

    /** The last rank passes a CPU tensor where the others pass CUDA tensors: every rank gets the error. */
    private static void locationMismatch(HvdRuntime rt, CudaBackend gpu, List<String> failures) {
        int n = rt.size();
        if (n == 1) {
            return;
        }
        Backend be = rt.rank() == n - 1 ? CPU : gpu;
        try {
            rt.allreduceAsync(Tensor.full(be, 1, 10), "where", Reduction.SUM).await();
            failures.add("a host-vs-device mismatch did not raise");
        } catch (HvdException e) {
            if (!e.getMessage().contains("Mismatched tensor location for 'where'")
                    || !e.getMessage().contains("rank " + (n - 1) + " has host memory")) {
                failures.add("mismatch message: " + e.getMessage());
            }
        }
        // and the job goes on, on the device
        Tensor t = Tensor.full(gpu, 2, 10);
        rt.allreduceAsync(t, "after-mismatch", Reduction.SUM).await();
        if (t.toFloatArray()[9] != 2 * n) {
            failures.add("allreduce after the mismatch: " + t.toFloatArray()[9]);
        }
    }

    /** Rank r has r + 2 batches: joined ranks contribute zeros from the device, averages count contributors. */
    private static void joinWithUnevenBatches(HvdRuntime rt, CudaBackend gpu, List<String> failures) {
        Tensor w = Tensor.zeros(gpu, 257);
        Tensor b = Tensor.zeros(gpu, 3);
        for (int s = 0; s < rt.rank() + 2; s++) {
            gpu.fill(w, 2f);
            gpu.fill(b, rt.rank() + 1f);
            fused(rt, List.of(w, b), "grad", Reduction.AVERAGE, 1, 1);
            float wantB = 0;
            int contributors = 0;
            for (int r = 0; r < rt.size(); r++) {
                if (s < r + 2) {
                    wantB += r + 1;
                    contributors++;
                }
            }
            wantB /= contributors;
            if (w.toFloatArray()[256] != 2f || Math.abs(b.toFloatArray()[2] - wantB) > 1e-6) {
                failures.add("average with joined ranks at step " + s + ": " + w.toFloatArray()[256] + ", "
                        + b.toFloatArray()[2] + " (want 2, " + wantB + ")");
            }
        }
        int last = rt.join();
        if (last != rt.size() - 1) {
            failures.add("join returned " + last);
        }
    }

    /**
     * Broadcasts of CUDA tensors, several in flight, from the last rank; one each from ranks 1
     * and n/2; and the parameters of a model (from rank 0).
     */
    private static void broadcasts(HvdRuntime rt, CudaBackend gpu, List<String> failures) {
        int n = rt.size();
        List<Handle<Tensor>> hs = new ArrayList<>();
        List<Tensor> ts = new ArrayList<>();
        for (int count : new int[] {5, 0, 100_003}) {
            Tensor t = Tensor.of(gpu, data(count * 7L + rt.rank(), count), count);
            ts.add(t);
            hs.add(rt.broadcastAsync(t, n - 1, "bcast." + count));
        }
        hs.forEach(Handle::await);
        for (Tensor t : ts) {
            float[] want = data(t.numel() * 7L + n - 1, t.numel());
            if (!Arrays.equals(want, t.toFloatArray())) {
                failures.add("broadcast of " + t.numel() + " elements from rank " + (n - 1));
            }
        }
        // more roots: on 2 hosts of 2, a non-root rank of host A and the local root of host B
        for (int root : new java.util.TreeSet<>(List.of(1 % n, n / 2))) {
            Tensor t = Tensor.of(gpu, data(1001L * 13 + rt.rank(), 1001), 1001);
            rt.broadcast(t, root);
            if (!Arrays.equals(data(1001L * 13 + root, 1001), t.toFloatArray())) {
                failures.add("broadcast of 1001 elements from rank " + root);
            }
        }
        org.hvd4j.nn.init.Rng.manualSeed(100 + rt.rank()); // a different model on every rank
        org.hvd4j.nn.Module model = org.hvd4j.nn.models.Models.create("mlp", gpu);
        rt.broadcastParameters(model, 0);
        long sum = 0;
        for (Tensor p : model.namedParameters().values()) {
            sum += Arrays.hashCode(p.toFloatArray());
        }
        long[] all = rt.allgather(new long[] {sum});
        for (long s : all) {
            if (s != all[0]) {
                failures.add("parameters differ after broadcastParameters: " + Arrays.toString(all));
                break;
            }
        }
    }
}
