package org.hvd4j.allreduce.shm;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.hvd4j.allreduce.comm.Bytes;

/**
 * One rank's shared-memory segment: a file under {@code /dev/shm} mapped by every rank of the
 * host. Layout (all offsets multiples of 64 bytes, so that each flag owns a cache line):
 *
 * <pre>
 *   0     header: magic, version, rank, pid, slot and registered sizes
 *   64    IN    round whose input this rank has published
 *   128   (unused since allreduce rounds write their results into their peers' slots)
 *   192   DONE  round whose results this rank has finished writing into its peers' memory
 *   256   ABORT non-zero once this rank gave up (its peers stop waiting)
 *   320   TAG   fingerprint of the collective of even rounds (peers check they run the same)
 *   384   TAG   the same for odd rounds
 *   4096  two round slots of {@code slotBytes} (alternating by round parity)
 *   ...   the registered region of {@code regBytes} (the zero-copy fusion buffer, or the data
 *         of a shared buffer, whose segments have no slots)
 * </pre>
 *
 * Flags are read and written with volatile semantics through a {@link VarHandle}: on x86 and
 * ARM those are ordinary aligned loads and stores with the fences the Java memory model asks
 * for, and they work across processes because the pages are shared.
 *
 * <p><b>Clean-up.</b> The owner deletes its file as soon as every peer has mapped it ({@link
 * #unlink}); the mapping stays valid, so nothing is left in {@code /dev/shm} even if a process is
 * killed later. A JVM shutdown hook covers exits before that point, and {@link #removeStale}
 * deletes files left by processes that were killed in that short window.
 */
final class ShmSegment implements AutoCloseable {
    static final long MAGIC = 0x4856_4434_4A53_484DL; // "HVD4JSHM"
    static final int VERSION = 1;
    static final int IN = 64;
    static final int DONE = 192;
    static final int ABORT = 256;
    static final int TAG = 320;
    static final int DATA = 4096;
    private static final String PREFIX = "hvd4j-";

    private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    final Path path;
    final int rank;
    final long pid;
    final int slotBytes;
    final int regBytes;
    private final MappedByteBuffer map;
    private final ByteBuffer[] slots = new ByteBuffer[2];
    private final ByteBuffer registered;
    private final boolean owner;
    private Thread cleanup;

    private ShmSegment(Path path, MappedByteBuffer map, boolean owner) {
        this.path = path;
        this.map = map;
        this.owner = owner;
        map.order(ByteOrder.nativeOrder());
        if (map.getLong(0) != MAGIC || map.getInt(8) != VERSION) {
            throw new IllegalStateException(path + " is not an hvd4j shared-memory segment of version " + VERSION);
        }
        this.rank = map.getInt(12);
        this.pid = map.getLong(16);
        this.slotBytes = map.getInt(24);
        this.regBytes = map.getInt(28);
        slots[0] = Bytes.slice(map, DATA, slotBytes);
        slots[1] = Bytes.slice(map, DATA + slotBytes, slotBytes);
        registered = Bytes.slice(map, DATA + 2 * slotBytes, regBytes);
    }

    /** Creates and maps this process's segment {@code dir/hvd4j-<job>-r<rank>-p<pid>}. */
    static ShmSegment create(Path dir, String job, int rank, int slotBytes, int regBytes) throws IOException {
        if (slotBytes % 64 != 0 || regBytes % 64 != 0) {
            throw new IllegalArgumentException("segment sizes must be multiples of 64: " + slotBytes + ", " + regBytes);
        }
        long pid = ProcessHandle.current().pid();
        Path path = dir.resolve(PREFIX + job + "-r" + rank + "-p" + pid);
        long size = DATA + 2L * slotBytes + regBytes;
        MappedByteBuffer map;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            // write every page now: a sparse file on a full tmpfs would make the first touch of a
            // page kill the JVM with SIGBUS; writing fails here with a clean IOException instead
            ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
            for (long pos = 0; pos < size; ) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), size - pos));
                pos += ch.write(zeros, pos);
            }
            map = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
        } catch (IOException e) {
            Files.deleteIfExists(path);
            throw new IOException("cannot create the shared-memory segment " + path + " of " + size + " bytes: " + e, e);
        }
        map.order(ByteOrder.nativeOrder());
        map.putLong(0, MAGIC).putInt(8, VERSION).putInt(12, rank).putLong(16, pid)
                .putInt(24, slotBytes).putInt(28, regBytes);
        ShmSegment s = new ShmSegment(path, map, true);
        s.cleanup = new Thread(s::unlink, "hvd4j-shm-cleanup");
        Runtime.getRuntime().addShutdownHook(s.cleanup);
        return s;
    }

    /** Maps a peer's segment. */
    static ShmSegment open(Path path) throws IOException {
        MappedByteBuffer map;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            map = ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size());
        }
        return new ShmSegment(path, map, false);
    }

    /** Deletes files of this job prefix whose creating process is gone (left by a kill -9). */
    static void removeStale(Path dir) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*-p*")) {
            for (Path f : files) {
                String n = f.getFileName().toString();
                try {
                    long pid = Long.parseLong(n.substring(n.lastIndexOf("-p") + 2));
                    if (ProcessHandle.of(pid).isEmpty()) {
                        Files.deleteIfExists(f);
                    }
                } catch (NumberFormatException | IOException ignored) {
                    // not ours or already gone
                }
            }
        } catch (IOException ignored) {
            // an unreadable directory only means no stale files are removed
        }
    }

    /** Removes the file (the mapping stays valid); only the owner does. */
    void unlink() {
        if (owner) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // best effort: removeStale catches what is left
            }
        }
    }

    /** Offset of the fingerprint flag of {@code round}'s parity. */
    static int tagOffset(long round) {
        return TAG + 64 * (int) (round & 1);
    }

    ByteBuffer slot(long round) {
        return slots[(int) (round & 1)];
    }

    ByteBuffer registered() {
        return registered;
    }

    long flag(int offset) {
        return (long) LONG.getVolatile(map, offset);
    }

    void setFlag(int offset, long value) {
        LONG.setVolatile(map, offset, value);
    }

    @Override
    public void close() {
        unlink();
        if (cleanup != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException ignored) {
                // already shutting down: the hook runs anyway
            }
            cleanup = null;
        }
    }
}
