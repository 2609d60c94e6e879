package org.hvd4j.allreduce.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.tensor.DType;
import org.junit.jupiter.api.Test;

/** The contract on shared memory, with 64 KiB slots so that collectives take many rounds. */
class ShmContractTest extends CommunicatorContractTest {
    @Override
    List<Communicator> group(int n) throws Exception {
        return Groups.shm(n, 64 << 10, 4 << 20);
    }

    @Test
    void largeSlotsPushSeveralChunksOfAResultPerRound() throws Exception {
        // with 1 MiB slots a round's sub-block holds several of the chunks that are reduced and
        // written back one at a time; values are small integers, so every sum is exact
        for (int n : new int[] {2, 3}) {
            List<Communicator> g = Groups.shm(n, 1 << 20, 0);
            try {
                List<String> errors = Groups.run(g, c -> {
                    for (DType type : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                        int count = 700_001;
                        ByteBuffer b = Bytes.direct(type.bytes() * count);
                        for (int i = 0; i < count; i++) {
                            putValue(type, b, i, (c.rank() + 1) * (i % 1009 - 500));
                        }
                        c.allreduce(b, type, Reduction.SUM, Pieces.balanced(count, c.size()));
                        double tri = c.size() * (c.size() + 1) / 2.0;
                        for (int i = 0; i < count; i++) {
                            double got = type == DType.FLOAT32 ? b.getFloat(4 * i) : b.getDouble(8 * i);
                            if (got != tri * (i % 1009 - 500)) {
                                return type + " n=" + c.size() + " element " + i + ": " + got;
                            }
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
    void registeredRegionTakesTheZeroCopyPathWithTheSameBits() throws Exception {
        List<Communicator> g = group(3);
        try {
            int count = 500_003;
            List<String> errors = Groups.run(g, c -> {
                ByteBuffer reg = c.allocate(4 * count);
                ByteBuffer plain = Bytes.direct(4 * count);
                java.util.Random r = new java.util.Random(c.rank());
                for (int i = 0; i < count; i++) {
                    float v = (float) r.nextGaussian();
                    reg.putFloat(4 * i, v);
                    plain.putFloat(4 * i, v);
                }
                int[] pieces = Pieces.balanced(count, c.size());
                c.allreduce(reg, DType.FLOAT32, Reduction.SUM, pieces);
                c.allreduce(plain, DType.FLOAT32, Reduction.SUM, pieces);
                for (int i = 0; i < count; i++) {
                    if (reg.getInt(4 * i) != plain.getInt(4 * i)) {
                        return "element " + i + " differs";
                    }
                }
                return "";
            });
            errors.forEach(e -> assertEquals("", e));
        } finally {
            Groups.close(g);
        }
    }

    @Test
    void aSharedBufferIsReducedWhereItLiesWithEachTensorsOwnBits() throws Exception {
        // three tensors packed in a shared buffer, each rank reducing every tensor's piece of its
        // index, against each tensor reduced alone on a plain buffer: the same bits on 3 ranks,
        // also with a scale after the sum (as an average has)
        int[] numels = {70_001, 33, 200_000};
        List<Communicator> g = group(3);
        try {
            List<String> errors = Groups.run(g, c -> {
                int total = java.util.Arrays.stream(numels).sum();
                SharedBuffer shared = c.share(4 * total);
                if (shared == null || shared.bytes().capacity() != 4 * total) {
                    return "no shared buffer of " + 4 * total + " bytes";
                }
                ByteBuffer mine = shared.bytes();
                ByteBuffer[] alone = new ByteBuffer[numels.length];
                int[][] owned = new int[c.size()][];
                java.util.Arrays.setAll(owned, k -> new int[0]);
                java.util.Random r = new java.util.Random(c.rank());
                for (int t = 0, at = 0; t < numels.length; at += numels[t++]) {
                    alone[t] = Bytes.direct(4 * numels[t]);
                    for (int i = 0; i < numels[t]; i++) {
                        float v = (float) r.nextGaussian();
                        alone[t].putFloat(4 * i, v);
                        mine.putFloat(4 * (at + i), v);
                    }
                    int[] pieces = Pieces.balanced(numels[t], c.size());
                    for (int k = 0, start = at; k < c.size(); start += pieces[k++]) {
                        owned[k] = java.util.Arrays.copyOf(owned[k], owned[k].length + 2);
                        owned[k][owned[k].length - 2] = start;
                        owned[k][owned[k].length - 1] = pieces[k];
                    }
                }
                for (int round = 0; round < 2; round++) { // twice: the second round reuses the slots
                    double post = round == 0 ? 1.0 : 1.0 / 3;
                    c.allreduceShared(shared, DType.FLOAT32, Reduction.SUM, owned, post);
                    for (int t = 0; t < numels.length; t++) {
                        c.allreduce(alone[t], DType.FLOAT32, Reduction.SUM, Pieces.balanced(numels[t], c.size()));
                        Reducer.scale(DType.FLOAT32, alone[t], 0, numels[t], post);
                    }
                    for (int t = 0, at = 0; t < numels.length; at += numels[t++]) {
                        for (int i = 0; i < numels[t]; i++) {
                            if (mine.getInt(4 * (at + i)) != alone[t].getInt(4 * i)) {
                                return "round " + round + ", tensor " + t + ", element " + i + " differs";
                            }
                        }
                    }
                }
                return "";
            });
            errors.forEach(e -> assertEquals("", e));
        } finally {
            Groups.close(g);
        }
        try (Stream<Path> files = Files.list(Path.of("/dev/shm"))) {
            assertEquals(0, files.filter(p -> p.getFileName().toString().startsWith("hvd4j-test")
                    && p.getFileName().toString().endsWith("-p" + ProcessHandle.current().pid())).count(),
                    "the shared buffers' files are gone too");
        }
    }

    @Test
    void ranksRunningDifferentCollectivesFailWithAMessageInsteadOfMixingData() throws Exception {
        List<Communicator> g = group(2);
        try {
            java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> Groups.run(g, c -> {
                        ByteBuffer b = Bytes.direct(4000);
                        if (c.rank() == 0) {
                            c.allreduce(b, DType.FLOAT32, Reduction.SUM, Pieces.balanced(1000, 2));
                        } else {
                            c.allgather(b, Bytes.direct(8000), new int[] {4000, 4000});
                        }
                        return null;
                    }));
            org.junit.jupiter.api.Assertions.assertTrue(e.getCause().getMessage().contains("runs a different collective"),
                    e.getCause().getMessage());
        } finally {
            Groups.close(g);
        }
    }

    @Test
    void segmentFilesAreGoneOnceTheGroupIsUp() throws Exception {
        List<Communicator> g = group(2);
        try (Stream<Path> files = Files.list(Path.of("/dev/shm"))) {
            long mine = files.filter(p -> p.getFileName().toString().startsWith("hvd4j-test")
                    && p.getFileName().toString().endsWith("-p" + ProcessHandle.current().pid())).count();
            assertEquals(0, mine, "segments are unlinked as soon as every rank has mapped them");
        } finally {
            Groups.close(g);
        }
    }
}
