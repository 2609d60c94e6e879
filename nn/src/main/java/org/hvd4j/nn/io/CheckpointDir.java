package org.hvd4j.nn.io;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hvd4j.nn.Module;
import org.hvd4j.nn.optim.Optimizer;

/**
 * A directory of checkpoints named {@code ckpt-epochEEEE-stepSSSSSS.h5} (completed epochs, global
 * step), ordered by global step.
 *
 * <p>{@link #save} writes to a hidden temporary file in the same directory, closes it, fsyncs it,
 * renames it atomically to its final name and fsyncs the directory, then deletes the oldest
 * checkpoints beyond the last {@code keep}. A crash at any point leaves either the previous set of
 * checkpoints or the new one, never a half-written {@code ckpt-*.h5} (at worst a hidden
 * {@code .ckpt-*.tmp-*} file, ignored by {@link #newestValid} and removed by
 * {@link #removeStaleTemporaries}).
 *
 * <p>{@link #newestValid} reads the newest checkpoint whole and checks it ({@link
 * Checkpoint#checkResumable}); a damaged one is reported on the error stream, naming the file and
 * what is wrong, and the previous one is tried.
 */
public final class CheckpointDir {
    static final Pattern NAME = Pattern.compile("ckpt-epoch(\\d+)-step(\\d+)\\.h5");
    private static final String TEMP_PREFIX = ".ckpt-";
    private static final String TEMP_MARK = ".tmp-";

    private final Path dir;
    private final int keep;
    private final PrintStream err;
    /** Test seam: throw after the temporary file is complete and before the rename, leaving it behind. */
    boolean crashBeforeRename;

    /** What the test seam throws: like a kill, it leaves the temporary file where it is. */
    static final class SimulatedCrash extends RuntimeException {
        SimulatedCrash(String message) {
            super(message);
        }
    }

    /** A checkpoint that passed every check, and the newer ones that did not. */
    public record Found(Path file, Checkpoint checkpoint, List<String> rejected) {
    }

    /**
     * @param dir  the directory (created on the first save)
     * @param keep how many checkpoints to keep, at least 1
     * @param err  where damaged checkpoints and fall-backs are reported
     */
    public CheckpointDir(Path dir, int keep, PrintStream err) {
        if (keep < 1) {
            throw new IllegalArgumentException("--keep-checkpoints must be >= 1, got " + keep);
        }
        this.dir = dir;
        this.keep = keep;
        this.err = err;
    }

    public Path dir() {
        return dir;
    }

    /** The file name of the checkpoint at {@code state}. */
    public static String fileName(TrainingState state) {
        return String.format("ckpt-epoch%04d-step%06d.h5", state.epoch(), state.globalStep());
    }

    /** Writes a checkpoint atomically, keeps the last {@code keep}, and returns its path. */
    public Path save(Module model, Optimizer optimizer, TrainingState state) {
        Path target = dir.resolve(fileName(state));
        writeAtomically(target, model, optimizer, state, crashBeforeRename);
        prune(target);
        return target;
    }

    /**
     * Writes {@code file} as {@link Checkpoint#write} does, through a hidden temporary file in the
     * same directory that is closed, fsynced and renamed over {@code file}; the directory is
     * fsynced after the rename. On failure the temporary file is removed and {@code file} is as it was.
     */
    public static void writeAtomically(Path file, Module model, Optimizer optimizer, TrainingState state) {
        writeAtomically(file, model, optimizer, state, false);
    }

    private static void writeAtomically(Path file, Module model, Optimizer optimizer, TrainingState state,
                                        boolean crashBeforeRename) {
        Path target = file.toAbsolutePath();
        Path parent = target.getParent();
        Path tmp = parent.resolve("." + target.getFileName() + TEMP_MARK + ProcessHandle.current().pid());
        try {
            Files.createDirectories(parent);
            Checkpoint.write(tmp, model, optimizer, state); // closed: HDF5 has written everything
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            if (crashBeforeRename) {
                throw new SimulatedCrash("simulated crash before the rename of " + tmp);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDirectory(parent);
        } catch (SimulatedCrash crash) {
            throw crash;
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the write failed already; that is the error to report
            }
            throw new CheckpointException(file + ": writing the checkpoint failed: " + e.getMessage(), e);
        }
    }

    /** The rename is durable only once the directory entry is on disk too. */
    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems cannot fsync a directory; the rename itself is still atomic
        }
    }

    private void prune(Path justWritten) {
        List<Path> all = list();
        for (int i = 0; i < all.size() - keep; i++) {
            Path old = all.get(i);
            if (!old.equals(justWritten)) {
                try {
                    Files.deleteIfExists(old);
                } catch (IOException e) {
                    err.println("checkpoint: cannot delete old checkpoint " + old + ": " + e.getMessage());
                }
            }
        }
    }

    /** The checkpoints in the directory, oldest first (by global step, then epoch). */
    public List<Path> list() {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (NAME.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p)) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list checkpoints", e);
        }
        out.sort(Comparator.comparingLong((Path p) -> number(p, 2)).thenComparingLong(p -> number(p, 1)));
        return out;
    }

    private static long number(Path p, int group) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        m.matches();
        return Long.parseLong(m.group(group));
    }

    /** Deletes temporary files that interrupted writes left behind; returns how many. */
    public int removeStaleTemporaries() {
        int n = 0;
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, TEMP_PREFIX + "*" + TEMP_MARK + "*")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
                err.println("checkpoint: removed " + p + ", left by an interrupted write");
                n++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot remove temporary files", e);
        }
        return n;
    }

    /**
     * The newest checkpoint that {@link Checkpoint#checkResumable} accepts for {@code model} and
     * {@code optimizer}; empty when the directory has no checkpoint at all.
     *
     * @throws CheckpointException when there are checkpoints but none is usable (listing each and why)
     */
    public Optional<Found> newestValid(Module model, Optimizer optimizer) {
        List<Path> all = list();
        List<String> rejected = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0; i--) {
            Path f = all.get(i);
            try {
                Checkpoint c = Checkpoint.read(f);
                c.checkResumable(model, optimizer);
                if (!rejected.isEmpty()) {
                    err.println("resume: falling back to " + f + ", the newest usable checkpoint");
                }
                return Optional.of(new Found(f, c, rejected));
            } catch (CheckpointException e) {
                String why = e.getMessage().startsWith(f.toString()) ? e.getMessage() : f + ": " + e.getMessage();
                rejected.add(why);
                err.println("resume: skipping a damaged or unusable checkpoint: " + why
                        + (i > 0 ? "; trying the previous one" : ""));
            }
        }
        if (!rejected.isEmpty()) {
            throw new CheckpointException(dir + ": none of its " + rejected.size() + " checkpoints is usable: "
                    + String.join("; ", rejected));
        }
        return Optional.empty();
    }
}
