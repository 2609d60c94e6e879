package org.hvd4j.allreduce;


import java.util.Random;
import org.hvd4j.allreduce.runtime.RuntimeConfig;
import org.hvd4j.allreduce.shm.ShmCommunicator;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link HvdRuntime#sharedTensor}: zeros, reduced where they lie on shared memory, plain elsewhere. */
class SharedTensorTest {
    private static final int COUNT = 300_007; // over ShmCommunicator.SHARED_MIN_BYTES, not a multiple of 3


    private static float[] values(int rank, int count) {
        Random r = new Random(rank);
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** Empty when every element of {@code got} has the bits of {@code want}, else which one differs. */
    private static String sameBits(Tensor got, Tensor want, String what) {
        float[] g = got.toFloatArray();
        float[] w = want.toFloatArray();
        for (int i = 0; i < w.length; i++) {
            if (Float.floatToRawIntBits(g[i]) != Float.floatToRawIntBits(w[i])) {
                return what + ": element " + i + " is " + g[i] + ", the plain tensor's " + w[i];
            }
        }
        return "";
    }

    @ParameterizedTest
    @ValueSource(strings = {"shm", "tcp"})
    void aSharedTensorStartsAtZeroAndReducesToThePlainTensorsBits(String transport) throws Exception {
        LocalJob.allOk(LocalJob.run(3, RuntimeConfig.defaults().withTransport(transport), rt -> {
            Tensor whole = rt.sharedTensor(DType.FLOAT32, COUNT + 3);
            for (float v : whole.toFloatArray()) {
                if (v != 0) {
                    return "a new shared tensor holds " + v;
                }
            }
            ShmCommunicator shm = rt.communicator() instanceof ShmCommunicator s ? s : null;
            long before = shm == null ? 0 : shm.sharedAllreduces();
            StringBuilder err = new StringBuilder();
            if (rt.isShared(whole.narrowRows(3, 10)) != (shm != null)) {
                err.append("isShared of a view says ").append(!(shm != null)).append(" on ").append(transport);
            }
            for (Reduction op : new Reduction[] {Reduction.SUM, Reduction.AVERAGE}) {
                // the whole tensor's first COUNT elements, then a view 3 elements in, on every rank
                Tensor shared = op == Reduction.SUM ? whole.narrowRows(0, COUNT) : whole.narrowRows(3, COUNT + 3);
                float[] x = values(rt.rank(), COUNT);
                Tensor plain = Tensor.of(CpuBackend.get(), x, COUNT);
                CpuBackend.get().hostBytes(shared).asFloatBuffer().put(0, x);
                rt.allreduceInPlace(shared, op);
                rt.allreduceInPlace(plain, op);
                err.append(sameBits(shared, plain, op.toString()));
            }
            long zeroCopy = shm == null ? 0 : shm.sharedAllreduces() - before;
            if (zeroCopy != (transport.equals("shm") ? 2 : 0)) {
                err.append(zeroCopy).append(" allreduces reduced where they lie on ").append(transport);
            }
            return err.toString();
        }));
    }

    @Test
    void ranksWhoseTensorsAreNotTheSameSharedRangeAllCopy() throws Exception {
        // rank 0 passes a plain tensor; then every rank a view at an offset of its own: both times
        // every rank must take the copying path, and still get the plain path's bits
        LocalJob.allOk(LocalJob.run(3, RuntimeConfig.defaults().withTransport("shm"), rt -> {
            Tensor shared = rt.sharedTensor(DType.FLOAT32, COUNT + 8);
            ShmCommunicator shm = (ShmCommunicator) rt.communicator();
            StringBuilder err = new StringBuilder();
            float[] x = values(rt.rank(), COUNT);
            Tensor mine = rt.rank() == 0 ? Tensor.of(CpuBackend.get(), x, COUNT) : shared.narrowRows(0, COUNT);
            CpuBackend.get().hostBytes(mine).asFloatBuffer().put(0, x);
            Tensor plain = Tensor.of(CpuBackend.get(), x, COUNT);
            rt.allreduceInPlace(mine, Reduction.SUM);
            rt.allreduceInPlace(plain, Reduction.SUM);
            err.append(sameBits(mine, plain, "rank 0 plain"));
            Tensor shifted = shared.narrowRows(rt.rank(), rt.rank() + COUNT);
            CpuBackend.get().hostBytes(shifted).asFloatBuffer().put(0, x);
            plain = Tensor.of(CpuBackend.get(), x, COUNT);
            rt.allreduceInPlace(shifted, Reduction.SUM);
            rt.allreduceInPlace(plain, Reduction.SUM);
            err.append(sameBits(shifted, plain, "offsets differ"));
            if (shm.sharedAllreduces() != 0) {
                err.append(shm.sharedAllreduces()).append(" allreduces took the shared path");
            }
            return err.toString();
        }));
    }

    @Test
    void emptyAndIntegerSharedTensors() throws Exception {
        LocalJob.allOk(LocalJob.run(2, RuntimeConfig.defaults().withTransport("shm"), rt -> {
            Tensor empty = rt.sharedTensor(DType.FLOAT32, 0, 5);
            if (empty.numel() != 0 || empty.shape().dim(1) != 5) {
                return "empty shared tensor of shape " + empty.shape();
            }
            int count = 400_003;
            Tensor ints = rt.sharedTensor(DType.INT32, count);
            java.nio.IntBuffer b = CpuBackend.get().hostBytes(ints).asIntBuffer();
            for (int i = 0; i < count; i++) {
                b.put(i, (rt.rank() + 1) * (i - 200_000));
            }
            rt.allreduceInPlace(ints, Reduction.SUM);
            for (int i = 0; i < count; i++) {
                if (b.get(i) != 3 * (i - 200_000)) {
                    return "element " + i + " is " + b.get(i);
                }
            }
            return ((ShmCommunicator) rt.communicator()).sharedAllreduces() == 1 ? "" : "not reduced where it lies";
        }));
    }

    @Test
    void differentShapesFailOnEveryRankNamingThem() throws Exception {
        LocalJob.allOk(LocalJob.run(2, RuntimeConfig.defaults().withTransport("shm"), rt -> {
            try {
                rt.sharedTensor(DType.FLOAT32, 10 + rt.rank());
                return "no error";
            } catch (HvdException e) {
                return e.getMessage().contains("[10]") && e.getMessage().contains("[11]") ? "" : e.getMessage();
            }
        }));
    }
}
