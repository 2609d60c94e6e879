package org.hvd4j.allreduce;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hvd4j.allreduce.runtime.Payload;
import org.hvd4j.cuda.JavaCppCudaDriver;
import org.hvd4j.tensor.Device;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cuda.CudaBackend;

/**
 * The runtime's device path over the real JavaCPP binding, in a child JVM whose dynamic linker
 * finds the fake CUDA and NCCL libraries first ({@code nccl.DevicePathOverFakeNcclTest}): one
 * process with {@code HVD4J_DEVICE_COLLECTIVES=nccl} (the driver is "cuda" and NCCL loads). The fake libcuda
 * runs the kernels used here (hvd_scale_f32, hvd_pack_f32, hvd_unpack_f32) on host memory and
 * the fake NCCL of one rank is the identity, so the values show the scales applied around the
 * NCCL call, in place and fused. Argument: the device communicator expected ({@code nccl}, or
 * {@code staged(solo)} under {@code auto}). Exit 0 and "ALL PASSED" when it passes.
 */
public final class DeviceFakeNcclScenario {
    private DeviceFakeNcclScenario() {
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    public static void main(String[] args) {
        Hvd.init();
        HvdRuntime rt = Hvd.runtime();
        try (CudaBackend gpu = new CudaBackend(JavaCppCudaDriver.open(0), new Device(Device.Kind.CUDA, 0))) {
            Tensor t = Tensor.of(gpu, new float[] {1, 2, 3, 4}, 4);
            rt.allreduceAsync(t, "one", Reduction.AVERAGE, 0.5, 4.0).await();
            check(Arrays.equals(new float[] {2, 4, 6, 8}, t.toFloatArray()), "one tensor, prescale 0.5, postscale 4: "
                    + Arrays.toString(t.toFloatArray()));
            List<Tensor> ts = List.of(Tensor.of(gpu, new float[] {1, 2, 3}, 3), Tensor.of(gpu, new float[0], 0),
                    Tensor.of(gpu, new float[] {5}, 1));
            List<Payload> ps = new ArrayList<>();
            for (Tensor x : ts) {
                ps.add(Payload.of(x));
            }
            rt.allreduceAllAsync(ps, List.of("a", "b", "c"), List.of(new int[] {3}, new int[] {0}, new int[] {1}),
                    Reduction.AVERAGE, 0.5, 4.0).forEach(Handle::await);
            check(Arrays.equals(new float[] {2, 4, 6}, ts.get(0).toFloatArray()) && ts.get(2).toFloatArray()[0] == 10,
                    "fused, prescale 0.5, postscale 4: " + Arrays.toString(ts.get(0).toFloatArray()) + ", "
                            + ts.get(2).toFloatArray()[0]);
            rt.broadcast(t, 0);
            check(rt.deviceCollectives().equals(args[0]), "want " + args[0] + ", got " + rt.deviceCollectives());
            check(rt.deviceCollectivesRun() == 3, rt.deviceCollectivesRun() + " device collectives");
            System.out.println("device collectives: " + rt.deviceCollectives());
        }
        Hvd.shutdown();
        System.out.println("ALL PASSED");
    }
}
