package org.hvd4j.allreduce.comm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.cuda.CudaDriver;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.cuda.EmulatedCudaDriver;
import org.junit.jupiter.api.Test;

/** The staged device communicator over shared memory, 3 ranks as threads, each with its own emulated device. */
class StagedDeviceCommunicatorTest {

    private static long upload(CudaDriver d, long stream, float[] x) {
        long a = d.malloc(Math.max(4L * x.length, 4));
        ByteBuffer b = Bytes.direct(4 * x.length);
        b.asFloatBuffer().put(0, x);
        d.copyHostToDevice(a, b, 0, 4L * x.length, stream);
        d.streamSynchronize(stream);
        return a;
    }

    private static float[] download(CudaDriver d, long stream, long a, int n) {
        ByteBuffer b = Bytes.direct(4 * n);
        d.copyDeviceToHost(b, 0, a, 4L * n, stream);
        d.streamSynchronize(stream);
        float[] x = new float[n];
        b.asFloatBuffer().get(0, x);
        return x;
    }

    @Test
    void allreduceBroadcastAndHostZerosGiveTheHostTransportsResults() throws Exception {
        List<Communicator> g = Groups.shm(3, 64 << 10, 1 << 20);
        try {
            List<String> errors = Groups.run(g, c -> {
                StringBuilder err = new StringBuilder();
                try (EmulatedCudaDriver d = new EmulatedCudaDriver(); StagedDeviceCommunicator s =
                        new StagedDeviceCommunicator(d, c)) {
                    long stream = d.streamCreate();
                    int n = 100_003;
                    float[] x = new float[n];
                    for (int i = 0; i < n; i++) {
                        x[i] = (i % 97) * (c.rank() + 1);
                    }
                    long a = upload(d, stream, x);
                    if (c.rank() == 2) {
                        StagedDeviceCommunicator.allreduceHostZeros(c, Pieces.balanced(n, 3), DType.FLOAT32, Reduction.SUM);
                    } else {
                        s.allreduce(a, n, DType.FLOAT32, Reduction.SUM, stream);
                        s.synchronize(stream);
                        float[] got = download(d, stream, a, n);
                        for (int i = 0; i < n; i++) {
                            if (got[i] != (i % 97) * 3f) { // ranks 0 and 1 only: 1x + 2x
                                err.append("allreduce element ").append(i).append(": ").append(got[i]);
                                break;
                            }
                        }
                    }
                    long b = upload(d, stream, new float[] {c.rank(), c.rank() * 10f});
                    s.broadcast(b, 2, DType.FLOAT32, 1, stream);
                    s.synchronize(stream);
                    float[] got = download(d, stream, b, 2);
                    if (got[0] != 1f || got[1] != 10f) {
                        err.append(" broadcast: ").append(got[0]).append(", ").append(got[1]);
                    }
                }
                return err.toString();
            });
            assertEquals(List.of("", "", ""), errors);
        } finally {
            Groups.close(g);
        }
    }

    @Test
    void oneRankIsTheIdentityAndAnAbortFailsLaterCalls() {
        try (EmulatedCudaDriver d = new EmulatedCudaDriver(); SoloCommunicator solo = new SoloCommunicator();
             StagedDeviceCommunicator s = new StagedDeviceCommunicator(d, solo)) {
            long stream = d.streamCreate();
            long a = upload(d, stream, new float[] {1, 2, 3});
            s.allreduce(a, 3, DType.FLOAT32, Reduction.SUM, stream);
            s.broadcast(a, 3, DType.FLOAT32, 0, stream);
            s.synchronize(stream);
            assertArrayEquals(new float[] {1, 2, 3}, download(d, stream, a, 3));
            assertEquals("staged(solo)", s.name());
            s.abort("peer 3 died");
            CommunicatorException e = assertThrows(CommunicatorException.class,
                    () -> s.allreduce(a, 3, DType.FLOAT32, Reduction.SUM, stream));
            assertTrue(e.getMessage().contains("peer 3 died"), e.getMessage());
        }
    }
}
