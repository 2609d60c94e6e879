package org.hvd4j.allreduce.nccl;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.allreduce.comm.CommunicatorException;
import org.hvd4j.allreduce.net.Secret;
import org.hvd4j.allreduce.rendezvous.RendezvousClient;
import org.hvd4j.allreduce.rendezvous.RendezvousServer;
import org.hvd4j.cuda.JavaCppCudaDriver;
import org.hvd4j.tensor.DType;

/**
 * {@link NcclCommunicator} over the fake CUDA/NCCL libraries, run in a child JVM by
 * {@link NcclCommunicatorTest}: argument {@code basic} or {@code deadpeer}; exit 0 when it passes.
 */
public final class NcclFakeScenarios {
    private NcclFakeScenarios() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "basic" -> basic();
            case "deadpeer" -> deadPeer();
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.println("ALL PASSED");
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    static <T extends Throwable> T expect(Class<T> type, Runnable r, String... fragments) {
        try {
            r.run();
        } catch (Throwable t) {
            if (!type.isInstance(t)) {
                throw new AssertionError("want " + type.getSimpleName() + ", got " + t, t);
            }
            for (String f : fragments) {
                if (t.getMessage() == null || !t.getMessage().contains(f)) {
                    throw new AssertionError("message of " + t + " lacks '" + f + "'", t);
                }
            }
            return type.cast(t);
        }
        throw new AssertionError("want " + type.getSimpleName() + ", nothing was thrown");
    }

    static long upload(JavaCppCudaDriver d, long s, float[] x) {
        long p = d.malloc(4L * x.length);
        ByteBuffer b = ByteBuffer.allocateDirect(4 * x.length).order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(x);
        d.copyHostToDevice(p, b, 0, 4L * x.length, s);
        d.streamSynchronize(s);
        return p;
    }

    static float[] download(JavaCppCudaDriver d, long s, long p, int n) {
        ByteBuffer b = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder());
        d.copyDeviceToHost(b, 0, p, 4L * n, s);
        d.streamSynchronize(s);
        float[] x = new float[n];
        b.asFloatBuffer().get(x);
        return x;
    }

    static void basic() throws Exception {
        check(NcclCommunicator.isAvailable(), "available over the fakes: " + NcclCommunicator.unavailableReason());
        try (RendezvousServer server = RendezvousServer.start(InetAddress.getLoopbackAddress(), 0, Secret.none());
             RendezvousClient kv = RendezvousClient.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                     server.port()), Secret.none(), 0, Duration.ofSeconds(20));
             JavaCppCudaDriver d = JavaCppCudaDriver.open(0)) {
            long s = d.streamCreate();
            long a = upload(d, s, new float[] {1, 2, 3, 4, 5, 6});
            long b = d.malloc(24);
            try (NcclCommunicator c = NcclCommunicator.create(0, 1, 0, kv, NcclCommunicator.DEFAULT_KEY,
                    Duration.ofSeconds(20))) {
                check(c.rank() == 0 && c.size() == 1 && c.ordinal() == 0 && c.name().equals("nccl"), c.toString());
                check(kv.get(NcclCommunicator.DEFAULT_KEY, Duration.ofSeconds(1)).length == 128, "the id is published");
                c.allreduce(a, 6, DType.FLOAT32, Reduction.AVERAGE, s);
                c.allreduce(a, b, 6, DType.FLOAT32, Reduction.SUM, s);
                c.synchronize(s);
                check(Arrays.equals(new float[] {1, 2, 3, 4, 5, 6}, download(d, s, b, 6)), "allreduce of one rank");
                c.allgather(a, b, 3, DType.FLOAT32, s);
                c.broadcast(a, 6, DType.INT32, 0, s);
                c.reducescatter(a, b, 6, DType.FLOAT32, Reduction.MAX, s);
                c.synchronize(s, Duration.ofSeconds(5));
                c.checkAsyncError();
                expect(IllegalArgumentException.class, () -> c.allreduce(a, 6, DType.INT32, Reduction.AVERAGE, s),
                        "use SUM");
                expect(IllegalArgumentException.class, () -> c.broadcast(a, 6, DType.INT32, 1, s), "root 1");
                // a failing call: the fake refuses a buffer outside any allocation
                expect(CommunicatorException.class, () -> c.allreduce(a, 1 << 20, DType.FLOAT32, Reduction.SUM, s),
                        "rank 0 of 1: NCCL allreduce of 1048576 FLOAT32 failed", "invalid argument");
                expect(CommunicatorException.class, () -> c.allreduce(a, 6, DType.FLOAT32, Reduction.SUM, s),
                        "aborted");
            }
            // rank 1 of a 2-rank job waits for rank 0's id under the key, and gives up at the deadline
            try {
                NcclCommunicator.create(1, 2, 0, kv, "nccl/never-published", Duration.ofMillis(300));
                throw new AssertionError("rank 1 got an id that nobody published");
            } catch (java.io.IOException e) {
                check(e.getMessage().contains("rank 1: the NCCL unique id of rank 0 (rendezvous key"
                        + " 'nccl/never-published') did not arrive within 0.3 s"), e.getMessage());
            }
        }
        long t0 = System.nanoTime();
        expect(CommunicatorException.class, () -> NcclCommunicator.create(0, 2, 0, NcclCommunicator.newUniqueId(),
                Duration.ofMillis(500)), "rank 0 of 2: creating the NCCL communicator on cuda:0 failed",
                "was not joined by every rank within 0.5 s");
        check(System.nanoTime() - t0 < 10_000_000_000L, "the join gives up at its deadline");
    }

    static void deadPeer() throws Exception {
        try (JavaCppCudaDriver d = JavaCppCudaDriver.open(0)) {
            long s = d.streamCreate();
            long a = d.malloc(64);
            try (NcclCommunicator c = NcclCommunicator.create(0, 1, 0, NcclCommunicator.newUniqueId(),
                    Duration.ofSeconds(30))) {
                c.allreduce(a, 16, DType.FLOAT32, Reduction.SUM, s); // the fake's "peer" dies with this one
                long t0 = System.nanoTime();
                expect(CommunicatorException.class, () -> c.synchronize(s), "rank 0 of 1: NCCL waiting for the stream"
                        + " failed", "remote process exited", "fake peer died");
                check(System.nanoTime() - t0 < 10_000_000_000L, "a dead peer is seen while waiting, not at the deadline");
            }
        }
    }
}
