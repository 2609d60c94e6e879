package org.hvd4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.optim.Optimizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointDirTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private List<String> files() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void keepsTheLastKAndLeavesNoTemporaryFiles() throws Exception {
        Module m = Steps.model("mlp", 1);
        Optimizer o = Steps.sgd(m);
        CheckpointDir cd = new CheckpointDir(dir, 2, err);
        for (int s = 1; s <= 4; s++) {
            Steps.train(m, o, s - 1, s, false);
            cd.save(m, o, Steps.at(s * 5L, "mlp"));
        }
        assertEquals(List.of("ckpt-epoch0001-step000015.h5", "ckpt-epoch0002-step000020.h5"), files());
        CheckpointDir.Found f = cd.newestValid(m, o).orElseThrow();
        assertEquals(dir.resolve("ckpt-epoch0002-step000020.h5"), f.file());
        assertEquals(20, f.checkpoint().trainingState().orElseThrow().globalStep());
        assertEquals("", err());
    }

    @Test
    void ordersByGlobalStepNotByName() throws Exception {
        Module m = Steps.model("mlp", 1);
        Optimizer o = Steps.sgd(m);
        CheckpointDir cd = new CheckpointDir(dir, 5, err);
        cd.save(m, o, Steps.at(999_999, "mlp"));
        cd.save(m, o, Steps.at(1_000_000, "mlp"));
        assertEquals(dir.resolve("ckpt-epoch100000-step1000000.h5"), cd.list().get(1));
    }

    @Test
    void aCrashBeforeTheRenameLeavesThePreviousCheckpointsIntact() throws Exception {
        Module m = Steps.model("mlp", 2);
        Optimizer o = Steps.sgd(m);
        Steps.train(m, o, 0, 1, false);
        CheckpointDir cd = new CheckpointDir(dir, 1, err);
        cd.save(m, o, Steps.at(1, "mlp"));
        byte[] before = Files.readAllBytes(dir.resolve("ckpt-epoch0000-step000001.h5"));
        Steps.train(m, o, 1, 2, false);
        cd.crashBeforeRename = true;
        assertThrows(CheckpointDir.SimulatedCrash.class, () -> cd.save(m, o, Steps.at(2, "mlp")));
        List<String> left = files();
        assertEquals(2, left.size(), left.toString());
        assertTrue(left.get(0).startsWith(".ckpt-epoch0000-step000002.h5.tmp-"), left.toString());
        assertEquals("ckpt-epoch0000-step000001.h5", left.get(1));
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(dir.resolve(left.get(1)))));
        // the leftover is invisible to resume and removed by the next run
        assertEquals(1, cd.newestValid(m, o).orElseThrow().checkpoint().trainingState().orElseThrow().globalStep());
        assertEquals(1, cd.removeStaleTemporaries());
        assertTrue(err().contains("left by an interrupted write"), err());
        assertEquals(List.of("ckpt-epoch0000-step000001.h5"), files());
    }

    @Test
    void damagedNewestCheckpointsFallBackToThePreviousOneAndSaySo() throws Exception {
        Module m = Steps.model("mlp", 3);
        Optimizer o = Steps.sgd(m);
        CheckpointDir cd = new CheckpointDir(dir, 10, err);
        Steps.train(m, o, 0, 1, false);
        cd.save(m, o, Steps.at(1, "mlp"));
        // newer ones, each damaged in its own way
        Path truncated = cd.save(m, o, Steps.at(2, "mlp"));
        byte[] b = Files.readAllBytes(truncated);
        Files.write(truncated, java.util.Arrays.copyOf(b, b.length / 2));
        CheckpointWriter badVersion = new CheckpointWriter();
        badVersion.version = 0;
        badVersion.write(dir.resolve("ckpt-epoch0000-step000003.h5"), m, o, Steps.at(3, "mlp"));
        CheckpointWriter missing = new CheckpointWriter();
        missing.omit = Set.of("fc1.bias");
        missing.write(dir.resolve("ckpt-epoch0000-step000004.h5"), m, o, Steps.at(4, "mlp"));
        Files.writeString(dir.resolve("ckpt-epoch0000-step000005.h5"), "not hdf5");

        CheckpointDir.Found f = cd.newestValid(m, o).orElseThrow();
        assertEquals(dir.resolve("ckpt-epoch0000-step000001.h5"), f.file());
        assertEquals(4, f.rejected().size());
        String e = err();
        assertTrue(e.contains(dir.resolve("ckpt-epoch0000-step000005.h5") + ": not an HDF5 file"), e);
        assertTrue(e.contains(dir.resolve("ckpt-epoch0000-step000004.h5")
                + ": the weights do not fit the model: missing in the file: [fc1.bias]"), e);
        assertTrue(e.contains(dir.resolve("ckpt-epoch0000-step000003.h5") + ": bad format version 0"), e);
        assertTrue(e.contains(truncated.toString()), e);
        assertTrue(e.contains("resume: falling back to " + dir.resolve("ckpt-epoch0000-step000001.h5")), e);

        Files.delete(dir.resolve("ckpt-epoch0000-step000001.h5"));
        CheckpointException none = assertThrows(CheckpointException.class, () -> cd.newestValid(m, o));
        assertTrue(none.getMessage().startsWith(dir + ": none of its 4 checkpoints is usable"), none.getMessage());
        assertTrue(new CheckpointDir(dir.resolve("empty"), 1, err).newestValid(m, o).isEmpty());
    }
}
