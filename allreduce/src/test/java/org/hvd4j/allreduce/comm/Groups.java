package org.hvd4j.allreduce.comm;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import org.hvd4j.allreduce.ring.PairwiseAlltoall;
import org.hvd4j.allreduce.ring.PeerChannels;
import org.hvd4j.allreduce.ring.TcpRing;
import org.hvd4j.allreduce.shm.ShmCommunicator;

/**
 * Groups of communicators whose ranks are threads of the test JVM: shared memory over
 * {@code /dev/shm}, TCP rings over loopback socket pairs, and hierarchical combinations.
 * {@link #run} executes one body per rank concurrently and returns the results by rank.
 */
public final class Groups {
    /** What each rank runs. */
    public interface Body<T> {
        T run(Communicator c) throws Exception;
    }

    private Groups() {
    }

    /**
     * Runs {@code body} on every communicator of {@code group} in its own thread. The first rank
     * to fail aborts the whole group (as the runtime does), and its exception is thrown.
     */
    public static <T> List<T> run(List<Communicator> group, Body<T> body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(group.size());
        ExecutorCompletionService<T> done = new ExecutorCompletionService<>(pool);
        try {
            List<Future<T>> fs = new ArrayList<>();
            for (Communicator c : group) {
                fs.add(done.submit(() -> {
                    try {
                        return body.run(c);
                    } catch (Exception | Error e) {
                        group.forEach(m -> m.abort("rank " + c.rank() + " failed: " + e));
                        throw e;
                    }
                }));
            }
            for (int i = 0; i < fs.size(); i++) {
                Future<T> f = done.poll(60, TimeUnit.SECONDS);
                if (f == null) {
                    group.forEach(m -> m.abort("test timeout"));
                    throw new TimeoutException("a rank did not finish within 60 s");
                }
                f.get(); // the first failure is thrown here
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : fs) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Creates the group's members concurrently (their set-up exchanges need every rank). */
    static List<Communicator> build(int n, IntFunction<Communicator> make) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Communicator>> fs = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                fs.add(pool.submit(() -> make.apply(rank)));
            }
            List<Communicator> out = new ArrayList<>();
            for (Future<Communicator> f : fs) {
                out.add(f.get(30, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** An exchange among {@code n} threads through a shared map and a barrier. */
    public static GroupExchange[] exchanges(int n) {
        Map<String, byte[]> board = new ConcurrentHashMap<>();
        CyclicBarrier barrier = new CyclicBarrier(n);
        GroupExchange[] ex = new GroupExchange[n];
        for (int r = 0; r < n; r++) {
            int rank = r;
            ex[r] = (key, mine) -> {
                board.put(key + "/" + rank, mine);
                await(barrier);
                byte[][] all = new byte[n][];
                for (int j = 0; j < n; j++) {
                    all[j] = board.get(key + "/" + j);
                }
                await(barrier);
                return all;
            };
        }
        return ex;
    }

    private static void await(CyclicBarrier b) throws IOException {
        try {
            b.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("exchange barrier: " + e, e);
        }
    }

    /** {@code n} shared-memory ranks with small slots (several rounds per collective). */
    public static List<Communicator> shm(int n, int slotBytes, int regBytes) throws Exception {
        GroupExchange[] ex = exchanges(n);
        String job = "test" + Long.toHexString(System.nanoTime());
        return build(n, r -> {
            try {
                ShmCommunicator c = ShmCommunicator.create(r, n, ex[r], Path.of("/dev/shm"), job, slotBytes, regBytes);
                if (c == null) {
                    throw new IllegalStateException("shared memory unavailable");
                }
                return c;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** {@code n} ranks on a TCP ring of loopback connections, with a direct mesh for alltoall. */
    public static List<Communicator> tcp(int n, int blockBytes) throws IOException {
        SocketChannel[] right = new SocketChannel[n];
        SocketChannel[] left = new SocketChannel[n];
        for (int r = 0; r < n; r++) {
            SocketChannel[] pair = pair();
            right[r] = pair[0];
            left[(r + 1) % n] = pair[1];
        }
        PeerChannels[] mesh = mesh(n);
        List<Communicator> out = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            out.add(new TcpRing(r, n, right[r], left[r], mesh[r], "rank " + Math.floorMod(r - 1, n), blockBytes));
        }
        return out;
    }

    /** Direct connections between every pair of {@code n} ranks. */
    public static PeerChannels[] mesh(int n) throws IOException {
        SocketChannel[][] m = new SocketChannel[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                SocketChannel[] p = pair();
                m[i][j] = p[0];
                m[j][i] = p[1];
            }
        }
        PeerChannels[] out = new PeerChannels[n];
        for (int r = 0; r < n; r++) {
            SocketChannel[] mine = m[r];
            out[r] = new PeerChannels() {
                @Override
                public SocketChannel channel(int peer) {
                    return mine[peer];
                }

                @Override
                public void close() {
                    for (SocketChannel c : mine) {
                        if (c != null) {
                            try {
                                c.close();
                            } catch (IOException ignored) {
                                // test clean-up
                            }
                        }
                    }
                }
            };
        }
        return out;
    }

    /**
     * {@code hosts × local} ranks: shared memory inside each simulated host, a TCP ring per
     * local rank across hosts, and a global mesh for alltoall. Ranks are numbered host by host.
     */
    public static List<Communicator> hierarchical(int hosts, int local, int slotBytes) throws Exception {
        List<List<Communicator>> shm = new ArrayList<>();
        for (int h = 0; h < hosts; h++) {
            shm.add(shm(local, slotBytes, 1 << 20));
        }
        List<List<Communicator>> cross = new ArrayList<>();
        for (int l = 0; l < local; l++) {
            cross.add(hosts == 1 ? List.of(new SoloCommunicator()) : tcp(hosts, 4096));
        }
        PeerChannels[] mesh = mesh(hosts * local);
        List<Communicator> out = new ArrayList<>();
        for (int h = 0; h < hosts; h++) {
            for (int l = 0; l < local; l++) {
                out.add(new HierarchicalCommunicator(shm.get(h).get(l), cross.get(l).get(h),
                        new PairwiseAlltoall(h * local + l, hosts * local, mesh[h * local + l])));
            }
        }
        return out;
    }

    private static SocketChannel[] pair() throws IOException {
        try (ServerSocketChannel ss = ServerSocketChannel.open()) {
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel a = SocketChannel.open(ss.getLocalAddress());
            SocketChannel b = ss.accept();
            a.socket().setTcpNoDelay(true);
            b.socket().setTcpNoDelay(true);
            return new SocketChannel[] {a, b};
        }
    }

    /** Closes every member. */
    public static void close(List<Communicator> group) {
        for (Communicator c : group) {
            c.close();
        }
    }
}
