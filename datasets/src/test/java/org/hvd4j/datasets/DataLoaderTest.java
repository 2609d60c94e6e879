package org.hvd4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class DataLoaderTest {
    /** Sample i has features {i, i + 0.5} and label i % 3. */
    private static InMemoryDataset data(int n) {
        float[] f = new float[2 * n];
        int[] l = new int[n];
        for (int i = 0; i < n; i++) {
            f[2 * i] = i;
            f[2 * i + 1] = i + 0.5f;
            l[i] = i % 3;
        }
        return new InMemoryDataset(f, l, new int[] {2}, 3);
    }

    /** A batch's valid part, copied: indices, labels, features. */
    private record Snapshot(int index, int[] indices, int[] labels, float[] features) {
        static Snapshot of(Batch b) {
            return new Snapshot(b.index(), Arrays.copyOf(b.indices(), b.size()),
                    Arrays.copyOf(b.labels(), b.size()), Arrays.copyOf(b.features(), b.size() * b.featureSize()));
        }
    }

    private static List<Snapshot> run(DataLoader loader, int epoch) {
        List<Snapshot> out = new ArrayList<>();
        try (DataLoader.Epoch it = loader.epoch(epoch)) {
            Batch b;
            while ((b = it.next()) != null) {
                out.add(Snapshot.of(b));
            }
            assertEquals(it.numBatches(), out.size());
        }
        return out;
    }

    private static void assertSameBatches(List<Snapshot> a, List<Snapshot> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).index(), b.get(i).index());
            assertArrayEquals(a.get(i).indices(), b.get(i).indices(), "batch " + i);
            assertArrayEquals(a.get(i).labels(), b.get(i).labels(), "batch " + i);
            assertArrayEquals(a.get(i).features(), b.get(i).features(), "batch " + i);
        }
    }

    @Test
    void prefetchingEqualsSynchronous() {
        InMemoryDataset ds = data(103);
        for (boolean dropLast : new boolean[] {false, true}) {
            DataLoader sync = new DataLoader(ds, new DistributedSampler(103, 2, 1, 7, true, false), 8, dropLast, 0);
            for (int prefetch : new int[] {1, 2, 3}) {
                DataLoader pre = new DataLoader(ds, new DistributedSampler(103, 2, 1, 7, true, false), 8, dropLast,
                        prefetch);
                for (int e = 0; e < 3; e++) {
                    assertSameBatches(run(sync, e), run(pre, e));
                }
            }
        }
    }

    @Test
    void batchesFollowTheSamplerAndCarryTheirSamples() {
        InMemoryDataset ds = data(20);
        DistributedSampler s = DistributedSampler.single(20, 3, true);
        List<Snapshot> batches = run(new DataLoader(ds, s, 6, false, 2), 5);
        int[] order = s.indices(5);
        int pos = 0;
        for (Snapshot b : batches) {
            for (int i = 0; i < b.indices().length; i++, pos++) {
                int idx = order[pos];
                assertEquals(idx, b.indices()[i]);
                assertEquals(idx % 3, b.labels()[i]);
                assertEquals(idx, b.features()[2 * i]);
                assertEquals(idx + 0.5f, b.features()[2 * i + 1]);
            }
        }
        assertEquals(20, pos);
    }

    @Test
    void partialLastBatchAndDropLast() {
        InMemoryDataset ds = data(10);
        DataLoader keep = new DataLoader(ds, DistributedSampler.single(10, 0, false), 4, false, 2);
        List<Snapshot> k = run(keep, 0);
        assertEquals(3, keep.numBatches());
        assertEquals(List.of(4, 4, 2), k.stream().map(x -> x.indices().length).toList());
        assertArrayEquals(new int[] {8, 9}, k.get(2).indices());
        DataLoader drop = new DataLoader(ds, DistributedSampler.single(10, 0, false), 4, true, 2);
        assertEquals(2, drop.numBatches());
        assertEquals(List.of(4, 4), run(drop, 0).stream().map(x -> x.indices().length).toList());
        DataLoader exact = new DataLoader(ds, DistributedSampler.single(10, 0, false), 5, true, 0);
        assertEquals(2, run(exact, 0).size());
    }

    @Test
    void reusesARingOfPrefetchPlusOneBatches() {
        InMemoryDataset ds = data(200);
        DataLoader loader = new DataLoader(ds, DistributedSampler.single(200, 1, true), 3, false, 2);
        Set<Batch> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int e = 0; e < 2; e++) {
            try (DataLoader.Epoch it = loader.epoch(e)) {
                Batch b;
                while ((b = it.next()) != null) {
                    seen.add(b);
                    assertEquals(3 * 2, b.features().length);
                }
            }
        }
        assertEquals(3, seen.size());
        DataLoader sync = new DataLoader(ds, DistributedSampler.single(200, 1, true), 3, false, 0);
        try (DataLoader.Epoch it = sync.epoch(0)) {
            Batch first = it.next();
            assertSame(first, it.next());
        }
    }

    @Test
    void producerExceptionIsRethrownWithCauseAfterEarlierBatches() {
        InMemoryDataset good = data(30);
        Dataset failing = new Dataset() {
            public int size() { return 30; }
            public int[] featureShape() { return new int[] {2}; }
            public int numClasses() { return 3; }
            public int label(int i) { return good.label(i); }
            public void copyFeatures(int i, float[] dst, int off) {
                if (i == 17) {
                    throw new DatasetException("sample 17 is unreadable");
                }
                good.copyFeatures(i, dst, off);
            }
        };
        for (int prefetch : new int[] {0, 2}) {
            DataLoader loader = new DataLoader(failing, DistributedSampler.single(30, 0, false), 5, false, prefetch);
            try (DataLoader.Epoch it = loader.epoch(0)) {
                for (int i = 0; i < 3; i++) {
                    assertEquals(i, it.next().index()); // batches 0..2 (samples 0..14) are fine
                }
                DatasetException e = assertThrows(DatasetException.class, it::next);
                assertTrue(e.getMessage().contains("batch 3 of epoch 0"), e.getMessage());
                assertInstanceOf(DatasetException.class, e.getCause());
                assertEquals("sample 17 is unreadable", e.getCause().getMessage());
            }
        }
        Dataset npe = new Dataset() {
            public int size() { return 4; }
            public int[] featureShape() { return new int[] {1}; }
            public int numClasses() { return 1; }
            public int label(int i) { throw new NullPointerException("boom"); }
            public void copyFeatures(int i, float[] dst, int off) {}
        };
        DataLoader loader = new DataLoader(npe, DistributedSampler.single(4, 0, false), 2, false, 2);
        try (DataLoader.Epoch it = loader.epoch(0)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, it::next);
            assertInstanceOf(NullPointerException.class, e.getCause());
        }
    }

    @Test
    void closeMidEpochStopsTheThreadAndFreesTheLoader() throws Exception {
        InMemoryDataset ds = data(1000);
        DataLoader loader = new DataLoader(ds, DistributedSampler.single(1000, 0, true), 2, false, 2);
        DataLoader.Epoch it = loader.epoch(0);
        it.next();
        assertThrows(IllegalStateException.class, () -> loader.epoch(1), "one open epoch at a time");
        it.close();
        it.close(); // idempotent
        assertThrows(IllegalStateException.class, it::next);
        assertFalse(prefetchThreadAlive(), "prefetch thread stopped");
        assertEquals(500, run(loader, 1).size());
        assertFalse(prefetchThreadAlive());
    }

    @Test
    void exhaustedEpochReturnsNullAgainAndReleasesTheLoader() {
        DataLoader loader = new DataLoader(data(4), DistributedSampler.single(4, 0, false), 4, false, 1);
        DataLoader.Epoch it = loader.epoch(0);
        it.next();
        assertNull(it.next());
        assertNull(it.next());
        loader.epoch(1).close(); // no close() of the first needed once read to the end
        loader.close();
    }

    @Test
    void emptyShardYieldsNoBatches() {
        DataLoader loader = new DataLoader(data(3), new DistributedSampler(3, 8, 5, 0, true, true), 2, false, 2);
        assertEquals(0, loader.numBatches());
        assertEquals(0, run(loader, 0).size());
    }

    @Test
    void batchShape() {
        Batch b = new Batch(4, new int[] {1, 28, 28});
        assertEquals(784, b.featureSize());
        assertEquals(4 * 784, b.features().length);
        assertArrayEquals(new int[] {0, 1, 28, 28}, b.shape());
        assertEquals(-1, b.index());
    }

    @Test
    void rejectsMismatchedSampler() {
        assertThrows(IllegalArgumentException.class,
                () -> new DataLoader(data(5), DistributedSampler.single(6, 0, true), 2, false, 2));
    }

    private static boolean prefetchThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("hvd4j-prefetch") && t.isAlive());
    }
}
