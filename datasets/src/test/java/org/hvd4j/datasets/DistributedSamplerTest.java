package org.hvd4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class DistributedSamplerTest {
    /** Concatenates every rank's indices for one epoch, rank-interleaved as PyTorch builds them. */
    private static int[] interleaved(int n, int replicas, long seed, boolean shuffle, boolean dropLast, int epoch) {
        DistributedSampler[] s = new DistributedSampler[replicas];
        for (int r = 0; r < replicas; r++) {
            s[r] = new DistributedSampler(n, replicas, r, seed, shuffle, dropLast);
            s[r].setEpoch(epoch);
        }
        int per = s[0].numSamples();
        int[] all = new int[per * replicas];
        for (int r = 0; r < replicas; r++) {
            int[] mine = s[r].indices();
            assertEquals(per, mine.length, "every rank gets numSamples indices");
            for (int k = 0; k < per; k++) {
                all[k * replicas + r] = mine[k];
            }
        }
        return all;
    }

    @ParameterizedTest(name = "n={0} replicas={1}")
    @CsvSource({"12,3", "12,4", "10,3", "10,4", "7,2", "3,8", "1,4", "100,7", "0,3"})
    void everySampleOnceWithPaddingByWrapping(int n, int replicas) {
        for (int epoch = 0; epoch < 3; epoch++) {
            int[] perm = EpochOrder.permutation(n, 99, epoch);
            int[] all = interleaved(n, replicas, 99, true, false, epoch);
            int total = (n + replicas - 1) / replicas * replicas;
            assertEquals(total, all.length);
            // The rank-interleaved union is the permutation followed by its own start, repeated.
            for (int p = 0; p < total; p++) {
                assertEquals(perm[p % n], all[p], "position " + p);
            }
            int[] counts = new int[n];
            for (int i : all) {
                counts[i]++;
            }
            for (int i = 0; i < n; i++) {
                assertTrue(counts[i] >= 1, "sample " + i + " missed");
            }
            if (n % replicas == 0) {
                int[] sorted = all.clone();
                Arrays.sort(sorted);
                assertArrayEquals(EpochOrder.sequential(n), sorted, "divisible: each exactly once");
            }
        }
    }

    @ParameterizedTest(name = "n={0} replicas={1}")
    @CsvSource({"12,3", "10,3", "10,4", "7,2", "3,8", "100,7"})
    void dropLastCutsTheTail(int n, int replicas) {
        int[] perm = EpochOrder.permutation(n, 5, 1);
        int[] all = interleaved(n, replicas, 5, true, true, 1);
        assertEquals(n / replicas * replicas, all.length);
        assertArrayEquals(Arrays.copyOf(perm, all.length), all, "a prefix of the permutation, no repeats");
    }

    @Test
    void sequentialMatchesPyTorchByHand() {
        // torch DistributedSampler(range(10), num_replicas=3, shuffle=False):
        // [0..9] + [0, 1] padded; rank r takes r::3.
        int[][] expected = {{0, 3, 6, 9}, {1, 4, 7, 0}, {2, 5, 8, 1}};
        int[][] dropped = {{0, 3, 6}, {1, 4, 7}, {2, 5, 8}};
        for (int r = 0; r < 3; r++) {
            assertArrayEquals(expected[r], new DistributedSampler(10, 3, r, 0, false, false).indices());
            assertArrayEquals(dropped[r], new DistributedSampler(10, 3, r, 0, false, true).indices());
        }
        // n=3, 8 replicas: padding longer than the data wraps repeatedly ([0,1,2,0,1,2,0,1]).
        assertArrayEquals(new int[] {1}, new DistributedSampler(3, 8, 4, 0, false, false).indices());
        assertArrayEquals(new int[] {1}, new DistributedSampler(3, 8, 7, 0, false, false).indices());
        assertEquals(0, new DistributedSampler(3, 8, 7, 0, false, true).numSamples());
    }

    @Test
    void singleReplicaIsThePlainShuffle() {
        DistributedSampler s = DistributedSampler.single(50, 11, true);
        s.setEpoch(4);
        assertArrayEquals(EpochOrder.permutation(50, 11, 4), s.indices());
        assertArrayEquals(EpochOrder.sequential(50), DistributedSampler.single(50, 11, false).indices(4));
    }

    @Test
    void changesWithEpochAndSetEpochMatchesPureForm() {
        DistributedSampler s = new DistributedSampler(1000, 4, 2, 3, true, false);
        int[] e0 = s.indices();
        s.setEpoch(1);
        assertEquals(1, s.epoch());
        assertFalse(Arrays.equals(e0, s.indices()));
        assertArrayEquals(s.indices(), s.indices(1));
        assertArrayEquals(e0, s.indices(0));
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new DistributedSampler(10, 0, 0, 0, true, false));
        assertThrows(IllegalArgumentException.class, () -> new DistributedSampler(10, 2, 2, 0, true, false));
        assertThrows(IllegalArgumentException.class, () -> new DistributedSampler(-1, 1, 0, 0, true, false));
    }
}
