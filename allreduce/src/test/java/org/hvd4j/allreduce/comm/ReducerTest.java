package org.hvd4j.allreduce.comm;

import static org.hvd4j.allreduce.comm.Elements.COUNTS;
import static org.hvd4j.allreduce.comm.Elements.OPS;
import static org.hvd4j.allreduce.comm.Elements.POSITIONS;
import static org.hvd4j.allreduce.comm.Elements.TYPES;
import static org.hvd4j.allreduce.comm.Elements.assertEqualsBytes;
import static org.hvd4j.allreduce.comm.Elements.assertSameDouble;
import static org.hvd4j.allreduce.comm.Elements.assertSameFloat;
import static org.hvd4j.allreduce.comm.Elements.bytes;
import static org.hvd4j.allreduce.comm.Elements.direct;
import static org.hvd4j.allreduce.comm.Elements.get;
import static org.hvd4j.allreduce.comm.Elements.nastyDouble;
import static org.hvd4j.allreduce.comm.Elements.nastyFloat;
import static org.hvd4j.allreduce.comm.Elements.put;
import static org.hvd4j.allreduce.comm.Elements.randomBytes;
import static org.hvd4j.allreduce.comm.Elements.reference;
import static org.hvd4j.allreduce.comm.Elements.same;
import static org.hvd4j.allreduce.comm.Elements.show;
import static org.hvd4j.allreduce.comm.Elements.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Reducer#reduce} against the reference loop, on every path, plus its contract checks. */
class ReducerTest {
    @TempDir
    Path tmp;
    @Test
    void everyOpAndTypeMatchesTheReferenceLoop() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (DType type : TYPES) {
            for (Reduction op : OPS) {
                for (int count : COUNTS) {
                    for (int[] pos : POSITIONS) {
                        int bytes = count * type.bytes() + 64;
                        checkReduce(op, type, direct(bytes), pos[0], direct(bytes), pos[1], count, rnd);
                    }
                }
            }
        }
    }

    @Test
    void reducesInMappedFiles() throws IOException {
        SplittableRandom rnd = new SplittableRandom(2);
        try (FileChannel ch = FileChannel.open(tmp.resolve("shm"), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            int half = 1 << 20;
            MappedByteBuffer acc = ch.map(FileChannel.MapMode.READ_WRITE, 0, half);
            MappedByteBuffer src = ch.map(FileChannel.MapMode.READ_WRITE, half, half);
            acc.order(ByteOrder.nativeOrder());
            src.order(ByteOrder.nativeOrder());
            for (DType type : TYPES) {
                for (Reduction op : OPS) {
                    checkReduce(op, type, acc, 64, src, 128, 50_000, rnd);
                    checkReduce(op, type, acc, 1, src, 7, 3_001, rnd);
                }
            }
        }
    }

    @Test
    void blasSumIsBitIdenticalToTheJavaLoop() {
        int n = 100_000;
        SplittableRandom rnd = new SplittableRandom(3);
        // FLOAT32: saxpy path (aligned) and Java path (misaligned) against a + b
        ByteBuffer a = direct(4 * n + 8);
        ByteBuffer b = direct(4 * n + 8);
        for (int i = 0; i < n; i++) {
            a.putFloat(4 * i, nastyFloat(rnd));
            b.putFloat(4 * i, nastyFloat(rnd));
        }
        ByteBuffer a2 = direct(4 * n + 8);
        ByteBuffer b2 = direct(4 * n + 8);
        a2.put(1, a, 0, 4 * n);
        b2.put(3, b, 0, 4 * n);
        Reducer.reduce(Reduction.SUM, DType.FLOAT32, a2, 1, b2, 3, n);
        ByteBuffer expected = direct(4 * n);
        for (int i = 0; i < n; i++) {
            expected.putFloat(4 * i, a.getFloat(4 * i) + b.getFloat(4 * i));
        }
        Reducer.reduce(Reduction.SUM, DType.FLOAT32, a, 0, b, 0, n);
        for (int i = 0; i < n; i++) {
            float e = expected.getFloat(4 * i);
            assertSameFloat(e, a.getFloat(4 * i), "saxpy element " + i);
            assertSameFloat(e, a2.getFloat(1 + 4 * i), "Java loop element " + i);
        }
        // FLOAT64: daxpy
        ByteBuffer x = direct(8 * n);
        ByteBuffer y = direct(8 * n);
        double[] sum = new double[n];
        for (int i = 0; i < n; i++) {
            double u = nastyDouble(rnd);
            double v = nastyDouble(rnd);
            x.putDouble(8 * i, u);
            y.putDouble(8 * i, v);
            sum[i] = u + v;
        }
        Reducer.reduce(Reduction.SUM, DType.FLOAT64, x, 0, y, 0, n);
        for (int i = 0; i < n; i++) {
            assertSameDouble(sum[i], x.getDouble(8 * i), "daxpy element " + i);
        }
    }

    @Test
    void concurrentCallsOnDisjointRangesOfTheSameBuffers() throws Exception {
        int n = 160_000;
        int piece = 5_000;
        int rounds = 20;
        for (DType type : new DType[] {DType.FLOAT32, DType.FLOAT16, DType.INT32}) {
            SplittableRandom rnd = new SplittableRandom(7);
            ByteBuffer acc = direct(n * type.bytes());
            ByteBuffer src = direct(n * type.bytes());
            for (int i = 0; i < n; i++) {
                put(type, acc, i * type.bytes(), value(type, rnd));
                put(type, src, i * type.bytes(), value(type, rnd));
            }
            // expected: the same sequence of element-wise sums, one element at a time
            ByteBuffer expected = direct(n * type.bytes());
            expected.put(0, acc, 0, n * type.bytes());
            ByteBuffer one = direct(16);
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < n; i++) {
                    int p = i * type.bytes();
                    one.put(0, expected, p, type.bytes());
                    one.put(8, src, p, type.bytes());
                    Reducer.reduce(Reduction.SUM, type, one, 0, one, 8, 1);
                    expected.put(p, one, 0, type.bytes());
                }
            }
            CyclicBarrier start = new CyclicBarrier(2);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    int first = t * (n / 2);
                    done.add(pool.submit(() -> {
                        start.await();
                        for (int r = 0; r < rounds; r++) {
                            for (int i = first; i < first + n / 2; i += piece) {
                                int p = i * type.bytes();
                                Reducer.reduce(Reduction.SUM, type, acc, p, src, p, piece);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(30, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            for (int i = 0; i < n; i++) {
                long e = get(type, expected, i * type.bytes());
                long a = get(type, acc, i * type.bytes());
                if (!same(type, e, a)) {
                    fail(type + ": element " + i + " is " + show(type, a) + " after concurrent reduction, expected "
                            + show(type, e));
                }
            }
        }
    }

    @Test
    void steadyStateAllocatesNothing() {
        java.lang.management.ThreadMXBean std = ManagementFactory.getThreadMXBean();
        assumeTrue(std instanceof com.sun.management.ThreadMXBean, "needs com.sun.management.ThreadMXBean");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) std;
        assumeTrue(mx.isThreadAllocatedMemorySupported(), "thread allocation accounting unsupported");
        mx.setThreadAllocatedMemoryEnabled(true);
        ByteBuffer a = direct(4 * 20_000 + 8);
        ByteBuffer b = direct(4 * 20_000 + 8);
        Reducer.fill(DType.FLOAT32, a, 0, 20_000, 0);
        Reducer.fill(DType.FLOAT32, b, 0, 20_000, 1e-3);
        checkNoGarbage(mx, "FLOAT32 SUM saxpy", () -> Reducer.reduce(Reduction.SUM, DType.FLOAT32, a, 0, b, 0, 4096));
        checkNoGarbage(mx, "FLOAT32 SUM saxpy blocks",
            () -> Reducer.reduce(Reduction.SUM, DType.FLOAT32, a, 0, b, 0, 20_000));
        checkNoGarbage(mx, "FLOAT32 SUM misaligned",
            () -> Reducer.reduce(Reduction.SUM, DType.FLOAT32, a, 1, b, 2, 4096));
        checkNoGarbage(mx, "FLOAT32 SUM short", () -> Reducer.reduce(Reduction.SUM, DType.FLOAT32, a, 0, b, 0, 40));
        checkNoGarbage(mx, "FLOAT32 MAX", () -> Reducer.reduce(Reduction.MAX, DType.FLOAT32, a, 0, b, 0, 3000));
        checkNoGarbage(mx, "FLOAT64 SUM", () -> Reducer.reduce(Reduction.SUM, DType.FLOAT64, a, 0, b, 0, 4096));
        checkNoGarbage(mx, "FLOAT16 SUM", () -> Reducer.reduce(Reduction.SUM, DType.FLOAT16, a, 0, b, 0, 4096));
        checkNoGarbage(mx, "INT32 MIN", () -> Reducer.reduce(Reduction.MIN, DType.INT32, a, 0, b, 0, 1000));
        checkNoGarbage(mx, "FLOAT32 scale", () -> Reducer.scale(DType.FLOAT32, a, 0, 4096, 0.5));
        checkNoGarbage(mx, "FLOAT16 scale", () -> Reducer.scale(DType.FLOAT16, a, 0, 4096, 0.5));
        checkNoGarbage(mx, "UINT8 fill", () -> Reducer.fill(DType.UINT8, a, 0, 4096, 0));
    }

    @Test
    void identicalRangesCombineAnElementWithItself() {
        SplittableRandom rnd = new SplittableRandom(8);
        for (DType type : TYPES) {
            for (int[] pos : POSITIONS) {
                int n = 20_000;
                ByteBuffer buf = direct(n * type.bytes() + 64);
                for (int i = 0; i < n; i++) {
                    put(type, buf, pos[0] + i * type.bytes(), value(type, rnd));
                }
                ByteBuffer before = ByteBuffer.wrap(bytes(buf)).order(ByteOrder.nativeOrder());
                Reducer.reduce(Reduction.SUM, type, buf, pos[0], buf, pos[0], n);
                for (int i = 0; i < n; i++) {
                    long x = get(type, before, pos[0] + i * type.bytes());
                    long expected = reference(Reduction.SUM, type, x, x);
                    long actual = get(type, buf, pos[0] + i * type.bytes());
                    if (!same(type, expected, actual)) {
                        fail(type + " x + x at element " + i + ": " + show(type, actual) + ", expected "
                                + show(type, expected));
                    }
                }
            }
        }
    }

    @Test
    void averageIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Reducer.reduce(Reduction.AVERAGE, DType.FLOAT32, direct(8), 0, direct(8), 0, 1));
        assertTrue(e.getMessage().contains("SUM") && e.getMessage().contains("scale"), e.getMessage());
    }

    @Test
    void badBuffersAndRangesAreRefusedBeforeNativeCode() {
        ByteBuffer ok = direct(64);
        assertThrows(IllegalArgumentException.class, () -> Reducer.reduce(Reduction.SUM, DType.FLOAT32,
                ByteBuffer.allocate(64).order(ByteOrder.nativeOrder()), 0, ok, 0, 4));
        ByteBuffer foreign = ByteBuffer.allocateDirect(64).order(
                ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        assertThrows(IllegalArgumentException.class, () -> Reducer.reduce(Reduction.SUM, DType.FLOAT32, ok, 0,
                foreign, 0, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> Reducer.reduce(Reduction.SUM, DType.FLOAT32, ok, 1,
                ok, 0, 16));
        assertThrows(IndexOutOfBoundsException.class, () -> Reducer.reduce(Reduction.SUM, DType.FLOAT32, ok, -4,
                ok, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> Reducer.reduce(Reduction.SUM, DType.FLOAT32, ok, 0,
                ok, 0, -1));
        assertThrows(ReadOnlyBufferException.class, () -> Reducer.reduce(Reduction.SUM, DType.FLOAT32,
                ok.asReadOnlyBuffer().order(ByteOrder.nativeOrder()), 0, ok, 0, 1));
        // the limit bounds a range, as for absolute get/put, and positions and limits stay put
        ByteBuffer limited = direct(4096).limit(1000).position(7);
        assertThrows(IndexOutOfBoundsException.class, () -> Reducer.reduce(Reduction.SUM, DType.FLOAT32,
                limited, 0, ok, 0, 251));
        ByteBuffer readOnlySrc = direct(4096).asReadOnlyBuffer().order(ByteOrder.nativeOrder());
        Reducer.reduce(Reduction.SUM, DType.FLOAT32, limited, 0, readOnlySrc, 0, 250);
        Reducer.scale(DType.FLOAT32, limited, 0, 250, 0.5);
        Reducer.fill(DType.FLOAT32, limited, 0, 250, 0);
        assertEquals(7, limited.position());
        assertEquals(1000, limited.limit());
        // UINT8 has no byte order to get wrong
        Reducer.reduce(Reduction.MAX, DType.UINT8, foreign, 0, foreign, 8, 8);
    }

    private static void checkReduce(Reduction op, DType type, ByteBuffer acc, int accPos, ByteBuffer src, int srcPos,
                                    int count, SplittableRandom rnd) {
        int w = type.bytes();
        randomBytes(acc, rnd);
        randomBytes(src, rnd);
        for (int i = 0; i < count; i++) {
            put(type, acc, accPos + i * w, value(type, rnd));
            put(type, src, srcPos + i * w, value(type, rnd));
        }
        byte[] accBefore = bytes(acc);
        byte[] srcBefore = bytes(src);
        Reducer.reduce(op, type, acc, accPos, src, srcPos, count);
        String what = op + " " + type + " x" + count + " at " + accPos + "/" + srcPos;
        assertEqualsBytes(srcBefore, bytes(src), 0, srcBefore.length, what + ": src changed");
        assertEqualsBytes(accBefore, bytes(acc), 0, accPos, what + ": bytes before the range changed");
        int end = accPos + count * w;
        assertEqualsBytes(accBefore, bytes(acc), end, accBefore.length, what + ": bytes after the range changed");
        ByteBuffer a = ByteBuffer.wrap(accBefore).order(ByteOrder.nativeOrder());
        ByteBuffer s = ByteBuffer.wrap(srcBefore).order(ByteOrder.nativeOrder());
        for (int i = 0; i < count; i++) {
            int p = accPos + i * w;
            long expected = reference(op, type, get(type, a, p), get(type, s, srcPos + i * w));
            long actual = get(type, acc, p);
            if (!same(type, expected, actual)) {
                fail(what + ", element " + i + ": " + show(type, get(type, a, p)) + " " + op + " "
                        + show(type, get(type, s, srcPos + i * w)) + " gave " + show(type, actual)
                        + ", expected " + show(type, expected));
            }
        }
    }

    /** The reference loop's element: the operation written out plainly on values as bits. */
    private static void checkNoGarbage(com.sun.management.ThreadMXBean mx, String what, Runnable call) {
        for (int i = 0; i < 20_000; i++) {
            call.run();
        }
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            call.run();
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 2048, what + ": " + allocated + " bytes allocated over 10,000 calls");
    }
}
