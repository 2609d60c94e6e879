package org.hvd4j.benchmarks;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.hvd4j.allreduce.Hvd;
import org.hvd4j.allreduce.HvdRuntime;
import org.hvd4j.allreduce.JobEnvironment;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.allreduce.comm.Bytes;
import org.hvd4j.allreduce.comm.Communicator;
import org.hvd4j.allreduce.comm.Pieces;
import org.hvd4j.allreduce.comm.SharedBuffer;
import org.hvd4j.allreduce.shm.ShmCommunicator;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code allreduce-bench}: allreduce bandwidth in the format of nccl-tests, for float32 SUM over
 * a sweep of sizes, on every rank of the job it runs in (under hvdrun, mpirun, ...).
 *
 * <p>Paths per size: {@code transport} calls the communicator directly on a buffer of the
 * benchmark's own (as nccl-tests calls NCCL), {@code staged} on the transport's registered buffer
 * (the fusion buffer's), {@code shared} on a buffer the ranks share (where the distributed
 * optimizer keeps its gradients on the training thread; shared memory only), {@code hvd} goes
 * through {@code Hvd.allreduce} on a tensor: negotiation with the coordinator, the fusion buffer,
 * scale — what a training step pays.
 * Times are the mean over at least {@code --iters} calls after {@code --warmup} (more at small
 * sizes, up to 5000, so that a rare stall of the shared machine does not decide the figure), the
 * slowest rank's; {@code p50} is the median call.
 * {@code algbw = size / time}; {@code busbw = algbw · 2(n-1)/n}, the bytes each rank's link
 * carries per second, comparable with the link's speed. {@code --check} fills rank {@code r}'s
 * element {@code i} with {@code (r+1)·(i mod 7 + 1)} and counts elements that differ from the
 * exact sum.
 */
@Command(name = "allreduce-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Allreduce bandwidth (nccl-tests format) of hvd4j's transports.")
public final class AllreduceBench implements Callable<Integer> {
    @Option(names = "--sizes", description = "byte range min:max, suffixes K M G (default: ${DEFAULT-VALUE})",
            defaultValue = "4K:64M")
    String sizes;

    @Option(names = "--factor", description = "size step factor (default: ${DEFAULT-VALUE})", defaultValue = "4")
    int factor;

    @Option(names = "--op", description = "sum, min, max or prod (default: ${DEFAULT-VALUE})", defaultValue = "sum")
    String op;

    @Option(names = "--iters", description = "timed calls per size (default: ${DEFAULT-VALUE})", defaultValue = "20")
    int iters;

    @Option(names = "--warmup", description = "untimed calls per size (default: ${DEFAULT-VALUE})", defaultValue = "5")
    int warmup;

    @Option(names = "--jit-warmup", description = "small collectives of each path run once before the sweep, so "
            + "that the JIT has compiled the runtime (default: ${DEFAULT-VALUE})", defaultValue = "2000")
    int jitWarmup;

    @Option(names = "--check", description = "verify every result and count wrong elements")
    boolean check;

    @Option(names = "--path", description = "transport (a buffer of the benchmark's), staged (the transport's own "
            + "buffer, as the fusion buffer), shared (a buffer the ranks share, as the distributed optimizer's "
            + "gradients on the training thread; where the transport has one), hvd (Hvd.allreduce on a tensor), "
            + "hvd-shared (the same on a tensor from Hvd.sharedTensor), both (transport and hvd) or all "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "both")
    String path;

    @Option(names = "--csv", description = "also append rows to this CSV file (rank 0)")
    java.nio.file.Path csv;

    public static void main(String[] args) {
        System.exit(new CommandLine(new AllreduceBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Reduction red = switch (op) {
            case "sum" -> Reduction.SUM;
            case "min" -> Reduction.MIN;
            case "max" -> Reduction.MAX;
            case "prod" -> Reduction.PRODUCT;
            default -> throw new IllegalArgumentException("--op must be sum, min, max or prod, got " + op);
        };
        String[] range = sizes.split(":");
        long lo = parseBytes(range[0]);
        long hi = parseBytes(range.length > 1 ? range[1] : range[0]);
        Hvd.init(JobEnvironment.detect());
        HvdRuntime rt = Hvd.runtime();
        int n = rt.size();
        boolean root = rt.rank() == 0;
        if (root) {
            System.out.printf(Locale.ROOT, "# allreduce-bench: %d ranks, %d hosts, transport %s, op %s, float32, "
                    + "%d warm-up + %d timed calls per size%n", n, rt.crossSize(), rt.transport(), op, warmup, iters);
            System.out.printf(Locale.ROOT, "# %9s %12s %6s %6s %10s %8s %8s %7s %10s%n", "size", "count", "path", "redop",
                    "time", "algbw", "busbw", "#wrong", "p50");
            System.out.printf(Locale.ROOT, "# %9s %12s %6s %6s %10s %8s %8s %7s %10s%n", "(B)", "(elements)", "", "", "(us)",
                    "(GB/s)", "(GB/s)", "", "(us)");
        }
        // the first thousand calls of the negotiation path run interpreted or C1-compiled
        Tensor small = Tensor.zeros(CpuBackend.get(), 256);
        ByteBuffer smallBuf = Bytes.direct(1024);
        for (int i = 0; i < jitWarmup; i++) {
            rt.allreduceAsync(small, "jit-warmup", red).await();
            rt.communicator().allreduce(smallBuf, DType.FLOAT32, red, Pieces.balanced(256, n));
        }
        List<String> rows = new ArrayList<>();
        for (long bytes = lo; bytes <= hi; bytes *= factor) {
            int count = (int) (bytes / 4);
            for (String p : path.equals("all") ? new String[] {"transport", "staged", "shared", "hvd", "hvd-shared"}
                    : path.equals("both") ? new String[] {"transport", "hvd"} : new String[] {path}) {
                double[] r = switch (p) {
                    case "hvd" -> viaHvd(rt, Tensor.empty(CpuBackend.get(), count), count, red);
                    case "hvd-shared" -> viaHvdShared(rt, count, red, root);
                    case "shared" -> shared(rt, count, red);
                    default -> transport(rt, count, red, p.equals("staged"));
                };
                if (r == null) {
                    continue; // no shared buffers on this transport
                }
                double us = r[0] * 1e6;
                double algbw = bytes / r[0] / 1e9;
                double busbw = algbw * 2.0 * (n - 1) / n;
                String row = String.format(Locale.ROOT, "  %9d %12d %6s %6s %10.1f %8.2f %8.2f %7s %10.1f", bytes, count, p,
                        op, us, algbw, busbw, check ? Long.toString((long) r[1]) : "N/A", r[2] * 1e6);
                if (root) {
                    System.out.println(row);
                }
                rows.add(String.join(",", rt.transport(), Integer.toString(n), Long.toString(bytes), p,
                        String.format(Locale.ROOT, "%.3f,%.4f,%.4f", us, algbw, busbw)));
            }
        }
        if (root && csv != null) {
            java.nio.file.Files.write(csv, rows, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        }
        Hvd.shutdown();
        return 0;
    }

    /** [seconds per call (slowest rank), wrong elements (all ranks)] on the communicator directly. */
    private double[] transport(HvdRuntime rt, int count, Reduction red, boolean staged) {
        Communicator comm = rt.communicator();
        ByteBuffer buf = staged ? comm.allocate(count * 4) : Bytes.direct(count * 4);
        int[] pieces = Pieces.balanced(count, comm.size());
        return timed(rt, buf, count, red, () -> comm.allreduce(buf, DType.FLOAT32, red, pieces));
    }

    /**
     * The same on a buffer from {@link Communicator#share}, each rank reducing its balanced piece
     * where it lies; null on every rank when the transport has no shared buffers.
     */
    private double[] shared(HvdRuntime rt, int count, Reduction red) {
        Communicator comm = rt.communicator();
        SharedBuffer shared = comm.share(4 * count);
        if (shared == null) {
            return null;
        }
        int[][] owned = Pieces.ranges(0, Pieces.balanced(count, comm.size()));
        return timed(rt, shared.bytes(), count, red, () -> comm.allreduceShared(shared, DType.FLOAT32, red, owned, 1.0));
    }

    /** Warm-up, the optional check, then the timed calls of {@code allreduce} on {@code buf}. */
    private double[] timed(HvdRuntime rt, ByteBuffer buf, int count, Reduction red, Runnable allreduce) {
        long wrong = 0;
        for (int i = 0; i < warmup; i++) {
            fill(buf, count, rt.rank());
            allreduce.run();
        }
        if (check) {
            fill(buf, count, rt.rank());
            allreduce.run();
            wrong = wrong(buf, count, rt.size(), red);
        }
        rt.barrier(); // through the runtime: the engine thread may still use the communicator
        long[] t = new long[callsFor(count)];
        for (int i = 0; i < t.length; i++) {
            long t0 = System.nanoTime();
            allreduce.run();
            t[i] = System.nanoTime() - t0;
        }
        return summarize(rt, t, wrong);
    }

    /**
     * {@link #viaHvd} on a tensor from {@code sharedTensor}; on shared memory, says in how many
     * calls the engine found it shared on every rank (and so reduced it where it lies).
     */
    private double[] viaHvdShared(HvdRuntime rt, int count, Reduction red, boolean root) {
        ShmCommunicator shm = rt.communicator() instanceof ShmCommunicator s ? s : null;
        long before = shm == null ? 0 : shm.sharedAllreduces();
        double[] r = viaHvd(rt, rt.sharedTensor(DType.FLOAT32, count), count, red);
        if (shm != null && root) {
            System.out.printf(Locale.ROOT, "# hvd-shared, %d bytes: %d calls reduced where the tensor lies%n", 4L * count,
                    shm.sharedAllreduces() - before);
        }
        return r;
    }

    /** The same through the runtime, in place on the CPU tensor {@code t}. */
    private double[] viaHvd(HvdRuntime rt, Tensor t, int count, Reduction red) {
        return timed(rt, CpuBackend.get().hostBytes(t), count, red, () -> rt.allreduceAsync(t, "bench", red).await());
    }

    /** At least {@code --iters} calls, more for small sizes so that rare stalls average out. */
    private int callsFor(int count) {
        return (int) Math.max(iters, Math.min(5000, (1L << 24) / Math.max(1, 4L * count)));
    }

    /** [mean seconds per call, median seconds per call (slowest rank's each), wrong elements (all ranks)]. */
    private static double[] summarize(HvdRuntime rt, long[] nanos, long wrong) {
        double mean = java.util.Arrays.stream(nanos).average().orElse(0) * 1e-9;
        long[] sorted = nanos.clone();
        java.util.Arrays.sort(sorted);
        double[] time = {mean, sorted[sorted.length / 2] * 1e-9};
        rt.allreduce(time, Reduction.MAX);
        long[] w = {wrong};
        rt.allreduce(w, Reduction.SUM);
        return new double[] {time[0], w[0], time[1]};
    }

    private static void fill(ByteBuffer buf, int count, int rank) {
        for (int i = 0; i < count; i++) {
            buf.putFloat(4 * i, (rank + 1) * (i % 7 + 1));
        }
    }

    private static long wrong(ByteBuffer buf, int count, int n, Reduction red) {
        long bad = 0;
        for (int i = 0; i < count; i++) {
            double base = i % 7 + 1;
            double want = switch (red) {
                case SUM -> base * n * (n + 1) / 2.0;
                case MIN -> base;
                case MAX -> base * n;
                case PRODUCT -> {
                    double p = 1;
                    for (int r = 1; r <= n; r++) {
                        p *= r * base;
                    }
                    yield p;
                }
                default -> Double.NaN;
            };
            if (Math.abs(buf.getFloat(4 * i) - want) > 1e-6 * Math.abs(want)) {
                bad++;
            }
        }
        return bad;
    }

    static long parseBytes(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long mult = 1;
        if (t.endsWith("K")) {
            mult = 1L << 10;
        } else if (t.endsWith("M")) {
            mult = 1L << 20;
        } else if (t.endsWith("G")) {
            mult = 1L << 30;
        }
        if (mult > 1) {
            t = t.substring(0, t.length() - 1);
        }
        return Long.parseLong(t) * mult;
    }
}
