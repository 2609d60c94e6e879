package org.hvd4j.allreduce.comm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.HalfFloats;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Communicator} must do, run on groups of 2..4 ranks (threads): exact results
 * for every collective at awkward sizes (0, 1, odd, several rounds or blocks), the piece rule that
 * makes fusion exact, identical bits on every rank, and failing — not hanging — on abort.
 */
abstract class CommunicatorContractTest {
    static final int[] COUNTS = {0, 1, 7, 17, 1000, 50_003, 300_001};

    /** A group of {@code n} ranks of the transport under test. */
    abstract List<Communicator> group(int n) throws Exception;

    int[] sizes() {
        return new int[] {2, 3, 4};
    }

    @Test
    void allreduceSumsExactlyAtEverySize() throws Exception {
        for (int n : sizes()) {
            List<Communicator> g = group(n);
            try {
                List<String> errors = Groups.run(g, c -> {
                    StringBuilder err = new StringBuilder();
                    for (int count : COUNTS) {
                        ByteBuffer b = Bytes.direct(4 * count);
                        for (int i = 0; i < count; i++) {
                            b.putFloat(4 * i, (c.rank() + 1) * (i % 13 - 6));
                        }
                        c.allreduce(b, DType.FLOAT32, Reduction.SUM, Pieces.balanced(count, c.size()));
                        float tri = c.size() * (c.size() + 1) / 2f;
                        for (int i = 0; i < count; i++) {
                            if (b.getFloat(4 * i) != tri * (i % 13 - 6)) {
                                err.append("n=").append(c.size()).append(" count=").append(count).append(" i=").append(i)
                                        .append(": ").append(b.getFloat(4 * i)).append('\n');
                                break;
                            }
                        }
                    }
                    return err.toString();
                });
                errors.forEach(e -> assertEquals("", e));
            } finally {
                Groups.close(g);
            }
        }
    }

    @Test
    void everyReductionAndType() throws Exception {
        List<Communicator> g = group(3);
        try {
            List<String> errors = Groups.run(g, c -> {
                StringBuilder err = new StringBuilder();
                int count = 40_001;
                for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64, DType.FLOAT16,
                        DType.BFLOAT16}) {
                    for (Reduction op : new Reduction[] {Reduction.SUM, Reduction.MIN, Reduction.MAX, Reduction.PRODUCT}) {
                        ByteBuffer b = Bytes.direct(t.bytes() * count);
                        for (int i = 0; i < count; i++) {
                            putValue(t, b, i, value(c.rank(), i));
                        }
                        c.allreduce(b, t, op, Pieces.balanced(count, c.size()));
                        for (int i = 0; i < count; i++) {
                            double want = expected(op, c.size(), i);
                            double got = getValue(t, b, i);
                            if (got != want) {
                                err.append(t).append(' ').append(op).append(" i=").append(i).append(": ").append(got)
                                        .append(" != ").append(want).append('\n');
                                break;
                            }
                        }
                    }
                }
                return err.toString();
            });
            errors.forEach(e -> assertEquals("", e));
        } finally {
            Groups.close(g);
        }
    }

    static void putValue(DType t, ByteBuffer b, int i, double v) {
        switch (t) {
            case FLOAT32 -> b.putFloat(4 * i, (float) v);
            case FLOAT64 -> b.putDouble(8 * i, v);
            case INT32 -> b.putInt(4 * i, (int) v);
            case INT64 -> b.putLong(8 * i, (long) v);
            case FLOAT16 -> b.putShort(2 * i, HalfFloats.floatToHalf((float) v));
            case BFLOAT16 -> b.putShort(2 * i, HalfFloats.floatToBfloat16((float) v));
            default -> throw new IllegalArgumentException(t.toString());
        }
    }

    static double getValue(DType t, ByteBuffer b, int i) {
        return switch (t) {
            case FLOAT32 -> b.getFloat(4 * i);
            case FLOAT64 -> b.getDouble(8 * i);
            case INT32 -> b.getInt(4 * i);
            case INT64 -> b.getLong(8 * i);
            case FLOAT16 -> HalfFloats.halfToFloat(b.getShort(2 * i));
            case BFLOAT16 -> HalfFloats.bfloat16ToFloat(b.getShort(2 * i));
            default -> throw new IllegalArgumentException(t.toString());
        };
    }

    /** Small integers: every type holds them and every order of reduction gives the same result. */
    private static double value(int rank, int i) {
        return (i % 5) - 2 + (rank % 2);
    }

    private static double expected(Reduction op, int n, int i) {
        double acc = value(0, i);
        for (int r = 1; r < n; r++) {
            double v = value(r, i);
            acc = switch (op) {
                case SUM -> acc + v;
                case MIN -> Math.min(acc, v);
                case MAX -> Math.max(acc, v);
                case PRODUCT -> acc * v;
                default -> throw new IllegalArgumentException();
            };
        }
        return acc;
    }

    /**
     * The piece rule: with random floats (where the order of additions shows in the bits),
     * moving elements around inside their pieces moves the results with them, bit for bit, and
     * every rank gets the same bits.
     */
    @Test
    void resultOfAnElementDependsOnlyOnItsPiece() throws Exception {
        for (int n : sizes()) {
            List<Communicator> g = group(n);
            try {
                int[] pieces = new int[n];
                Random rnd = new Random(n);
                for (int k = 0; k < n; k++) {
                    pieces[k] = k == 1 ? 0 : 1 + rnd.nextInt(70_000);
                }
                int count = Pieces.total(pieces);
                int[] off = Pieces.offsets(pieces);
                List<int[][]> results = Groups.run(g, c -> {
                    Random r = new Random(1000 + c.rank());
                    float[] x = new float[count];
                    for (int i = 0; i < count; i++) {
                        x[i] = (float) (r.nextGaussian() * Math.exp(r.nextGaussian() * 3));
                    }
                    ByteBuffer a = Bytes.direct(4 * count);
                    ByteBuffer b = Bytes.direct(4 * count);
                    for (int i = 0; i < count; i++) {
                        a.putFloat(4 * i, x[i]);
                        b.putFloat(4 * rotated(i, off), x[i]);
                    }
                    c.allreduce(a, DType.FLOAT32, Reduction.SUM, pieces);
                    c.allreduce(b, DType.FLOAT32, Reduction.SUM, pieces);
                    int[] ra = new int[count];
                    int[] rb = new int[count];
                    for (int i = 0; i < count; i++) {
                        ra[i] = a.getInt(4 * i);
                        rb[i] = b.getInt(4 * rotated(i, off));
                    }
                    return new int[][] {ra, rb};
                });
                for (int[][] r : results) {
                    assertArrayEquals(results.get(0)[0], r[0], "every rank has the same bits");
                    assertArrayEquals(r[0], r[1], "moved elements keep their bits (n=" + n + ")");
                }
            } finally {
                Groups.close(g);
            }
        }
    }

    /** Element i's position after rotating each piece by one place. */
    private static int rotated(int i, int[] off) {
        int k = 0;
        while (i >= off[k + 1]) {
            k++;
        }
        int len = off[k + 1] - off[k];
        return off[k] + (i - off[k] + 1) % len;
    }

    @Test
    void allgatherWithDifferentSizesPerRank() throws Exception {
        for (int n : sizes()) {
            List<Communicator> g = group(n);
            try {
                int[] bytes = new int[n];
                for (int r = 0; r < n; r++) {
                    bytes[r] = r == 1 ? 0 : 4 * (r * 70_001 + 3);
                }
                int total = Pieces.total(bytes);
                List<ByteBuffer> out = Groups.run(g, c -> {
                    ByteBuffer send = Bytes.direct(bytes[c.rank()]);
                    for (int i = 0; i < bytes[c.rank()] / 4; i++) {
                        send.putInt(4 * i, c.rank() * 1_000_000 + i);
                    }
                    ByteBuffer recv = Bytes.direct(total);
                    c.allgather(send, recv, bytes);
                    return recv;
                });
                int[] off = Pieces.offsets(bytes);
                for (ByteBuffer recv : out) {
                    for (int r = 0; r < n; r++) {
                        for (int i = 0; i < bytes[r] / 4; i++) {
                            assertEquals(r * 1_000_000 + i, recv.getInt(off[r] + 4 * i));
                        }
                    }
                }
            } finally {
                Groups.close(g);
            }
        }
    }

    @Test
    void smallAllgathersGiveEveryRanksValuesInRankOrder() throws Exception {
        List<Communicator> g = group(3);
        try {
            // rank r sends r * 7 and r + 1 bytes of value r... except rank 1, which sends none
            List<String> out = Groups.run(g, c -> {
                int[] ints = SmallAllgathers.ints(c, c.rank() * 7);
                byte[] mine = new byte[c.rank() == 1 ? 0 : c.rank() + 1];
                java.util.Arrays.fill(mine, (byte) c.rank());
                byte[][] all = SmallAllgathers.bytes(c, mine);
                return java.util.Arrays.toString(ints) + " " + java.util.Arrays.deepToString(all);
            });
            out.forEach(o -> assertEquals("[0, 7, 14] [[0], [], [2, 2, 2]]", o));
        } finally {
            Groups.close(g);
        }
    }

    @Test
    void broadcastFromEveryRoot() throws Exception {
        List<Communicator> g = group(3);
        try {
            for (int root = 0; root < 3; root++) {
                int rt = root;
                for (int count : new int[] {0, 5, 300_001}) {
                    List<ByteBuffer> out = Groups.run(g, c -> {
                        ByteBuffer b = Bytes.direct(4 * count);
                        for (int i = 0; i < count; i++) {
                            b.putInt(4 * i, c.rank() == rt ? i * 7 : -1);
                        }
                        c.broadcast(b, 4 * count, rt);
                        return b;
                    });
                    for (ByteBuffer b : out) {
                        for (int i = 0; i < count; i++) {
                            assertEquals(i * 7, b.getInt(4 * i));
                        }
                    }
                }
            }
        } finally {
            Groups.close(g);
        }
    }

    @Test
    void reducescatterGivesEachRankItsPiece() throws Exception {
        for (int n : sizes()) {
            List<Communicator> g = group(n);
            try {
                int count = 100_003;
                int[] pieces = Pieces.balanced(count, n);
                int[] off = Pieces.offsets(pieces);
                List<String> errors = Groups.run(g, c -> {
                    ByteBuffer send = Bytes.direct(4 * count);
                    for (int i = 0; i < count; i++) {
                        send.putInt(4 * i, i + c.rank());
                    }
                    ByteBuffer recv = Bytes.direct(4 * pieces[c.rank()]);
                    c.reducescatter(send, recv, DType.INT32, Reduction.SUM, pieces);
                    for (int i = 0; i < pieces[c.rank()]; i++) {
                        int e = off[c.rank()] + i;
                        int want = n * e + n * (n - 1) / 2;
                        if (recv.getInt(4 * i) != want) {
                            return "rank " + c.rank() + " element " + e + ": " + recv.getInt(4 * i) + " != " + want;
                        }
                    }
                    return "";
                });
                errors.forEach(e -> assertEquals("", e));
            } finally {
                Groups.close(g);
            }
        }
    }

    @Test
    void alltoallWithUnevenSplits() throws Exception {
        for (int n : sizes()) {
            List<Communicator> g = group(n);
            try {
                int[][] splits = new int[n][n]; // splits[src][dst] ints
                Random rnd = new Random(n * 31);
                for (int s = 0; s < n; s++) {
                    for (int d = 0; d < n; d++) {
                        splits[s][d] = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(90_000);
                    }
                }
                List<String> errors = Groups.run(g, c -> {
                    int me = c.rank();
                    int[] sendBytes = new int[n];
                    int[] recvBytes = new int[n];
                    for (int j = 0; j < n; j++) {
                        sendBytes[j] = 4 * splits[me][j];
                        recvBytes[j] = 4 * splits[j][me];
                    }
                    ByteBuffer send = Bytes.direct(Pieces.total(sendBytes));
                    int p = 0;
                    for (int j = 0; j < n; j++) {
                        for (int i = 0; i < splits[me][j]; i++) {
                            send.putInt(p, me * 10_000_000 + j * 100_000 + i);
                            p += 4;
                        }
                    }
                    ByteBuffer recv = Bytes.direct(Pieces.total(recvBytes));
                    c.alltoall(send, sendBytes, recv, recvBytes);
                    p = 0;
                    for (int j = 0; j < n; j++) {
                        for (int i = 0; i < splits[j][me]; i++) {
                            int want = j * 10_000_000 + me * 100_000 + i;
                            if (recv.getInt(p) != want) {
                                return "rank " + me + " from " + j + " item " + i + ": " + recv.getInt(p);
                            }
                            p += 4;
                        }
                    }
                    return "";
                });
                errors.forEach(e -> assertEquals("", e));
            } finally {
                Groups.close(g);
            }
        }
    }

    @Test
    void barrierWaitsForEveryRank() throws Exception {
        List<Communicator> g = group(3);
        try {
            AtomicInteger arrived = new AtomicInteger();
            List<Integer> seen = Groups.run(g, c -> {
                int min = Integer.MAX_VALUE;
                for (int round = 1; round <= 20; round++) {
                    if (c.rank() == round % 3) {
                        Thread.sleep(2);
                    }
                    arrived.incrementAndGet();
                    c.barrier();
                    min = Math.min(min, arrived.get() - 3 * (round - 1));
                    c.barrier();
                }
                return min;
            });
            seen.forEach(s -> assertTrue(s >= 3, "a rank left the barrier before every rank arrived: " + s));
        } finally {
            Groups.close(g);
        }
    }

    @Test
    void abortMakesWaitingRanksFailInsteadOfHanging() throws Exception {
        List<Communicator> g = group(3);
        try {
            ExecutionException e = assertThrows(ExecutionException.class, () -> Groups.run(g, c -> {
                if (c.rank() == 0) {
                    Thread.sleep(300);
                    c.abort("test abort");
                    throw new IllegalStateException("rank 0 aborted on purpose");
                }
                ByteBuffer b = Bytes.direct(4 * 1000);
                c.allreduce(b, DType.FLOAT32, Reduction.SUM, Pieces.balanced(1000, c.size()));
                return null;
            }));
            assertTrue(e.getCause() instanceof IllegalStateException || e.getCause() instanceof CommunicatorException,
                    String.valueOf(e.getCause()));
        } finally {
            Groups.close(g);
        }
    }
}
