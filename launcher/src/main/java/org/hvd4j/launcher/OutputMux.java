package org.hvd4j.launcher;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hvd4j.tensor.cpu.Simd;

/**
 * Copies every rank's standard output and error to hvdrun's own, each line prefixed
 * {@code [rank]<stdout>:} or {@code [rank]<stderr>:} (Horovod's format) and written whole under
 * one lock, so lines of different ranks never mix mid-line however fast they come. With an
 * output directory each stream is also written unprefixed to {@code DIR/rank.N/stdout} and
 * {@code stderr}. The last lines of each rank's stderr are kept for the failure report.
 *
 * <p>Console writes are buffered and flushed when a pump has nothing more to read at the moment,
 * so heavy output goes out in large writes and a quiet rank's line appears at once.
 */
final class OutputMux implements AutoCloseable {
    /**
     * The line every JVM started with an incubating module writes first to its stderr. hvdrun adds
     * the Vector API's module ({@link Simd#MODULE}) to its built-in programs itself, so the line says nothing to the user: it is dropped, from the console and
     * from {@code DIR/rank.N/stderr} alike.
     */
    static final String INCUBATOR_NOTICE = "WARNING: Using incubator modules: " + Simd.MODULE;
    private static final byte[] NOTICE_BYTES = INCUBATOR_NOTICE.getBytes(StandardCharsets.UTF_8);

    /** A line longer than this is passed on in pieces of this size (each with the prefix). */
    static final int MAX_LINE = 1 << 20;
    private static final int TAIL_LINES = 20;

    private final Object lock = new Object();
    private final OutputStream out;
    private final OutputStream err;
    private final Path dir;
    private final List<Thread> pumps = new ArrayList<>();
    private final List<OutputStream> files = new ArrayList<>();

    /** {@code out}/{@code err}: hvdrun's streams; {@code dir}: the {@code --output-filename} folder or null. */
    OutputMux(OutputStream out, OutputStream err, Path dir) {
        this.out = new BufferedOutputStream(out, 1 << 16);
        this.err = new BufferedOutputStream(err, 1 << 16);
        this.dir = dir;
    }

    /** The last stderr lines of one rank. */
    static final class Tail {
        private final ArrayDeque<String> lines = new ArrayDeque<>();

        synchronized void add(String line) {
            if (lines.size() == TAIL_LINES) {
                lines.removeFirst();
            }
            lines.addLast(line);
        }

        synchronized List<String> lines() {
            return new ArrayList<>(lines);
        }
    }

    /** Starts copying {@code in}, rank {@code rank}'s stdout or stderr; returns the stderr tail keeper. */
    void attach(int rank, InputStream in, boolean isErr, Tail tail) {
        OutputStream file = null;
        if (dir != null) {
            try {
                Path rankDir = Files.createDirectories(dir.resolve("rank." + rank));
                file = new BufferedOutputStream(Files.newOutputStream(rankDir.resolve(isErr ? "stderr" : "stdout")));
                synchronized (files) {
                    files.add(file);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("--output-filename: cannot write under " + dir + ": " + e.getMessage(), e);
            }
        }
        byte[] prefix = ("[" + rank + "]<" + (isErr ? "stderr" : "stdout") + ">:").getBytes(StandardCharsets.UTF_8);
        OutputStream console = isErr ? err : out;
        OutputStream raw = file;
        Thread t = new Thread(() -> pump(in, prefix, console, raw, isErr ? tail : null),
                "hvdrun-output-" + rank + (isErr ? "-err" : "-out"));
        t.setDaemon(true);
        synchronized (pumps) {
            pumps.add(t);
        }
        t.start();
    }

    private void pump(InputStream in, byte[] prefix, OutputStream console, OutputStream file, Tail tail) {
        byte[] buf = new byte[1 << 16];
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        line.write(buf, start, i - start);
                        emit(line, prefix, console, file, tail);
                        start = i + 1;
                    } else if (line.size() + (i - start) >= MAX_LINE) {
                        line.write(buf, start, i - start);
                        emit(line, prefix, console, file, tail);
                        start = i;
                    }
                }
                line.write(buf, start, n - start);
                if (in.available() == 0) {
                    flush(console, file);
                }
            }
        } catch (IOException e) {
            // the rank's end of the pipe is gone: nothing more to copy
        }
        if (line.size() > 0) {
            emit(line, prefix, console, file, tail);
        }
        flush(console, file);
    }

    private void emit(ByteArrayOutputStream line, byte[] prefix, OutputStream console, OutputStream file, Tail tail) {
        byte[] bytes = line.toByteArray();
        line.reset();
        if (tail != null && Arrays.equals(bytes, NOTICE_BYTES)) {
            return; // stderr only; see INCUBATOR_NOTICE
        }
        synchronized (lock) {
            try {
                console.write(prefix);
                console.write(bytes);
                console.write('\n');
            } catch (IOException ignored) {
                // hvdrun's own output is closed (e.g. a closed pipe): keep draining the rank
            }
        }
        if (file != null) {
            try {
                file.write(bytes);
                file.write('\n');
            } catch (IOException ignored) {
                // a full disk must not stop the rank; the console copy goes on
            }
        }
        if (tail != null) {
            tail.add(new String(bytes, StandardCharsets.UTF_8));
        }
    }

    private void flush(OutputStream console, OutputStream file) {
        synchronized (lock) {
            try {
                console.flush();
            } catch (IOException ignored) {
                // see emit
            }
        }
        if (file != null) {
            try {
                file.flush();
            } catch (IOException ignored) {
                // see emit
            }
        }
    }

    /** Writes one line of hvdrun's own to its stderr, between whole rank lines. */
    void message(String text) {
        synchronized (lock) {
            try {
                out.flush();
                err.write(text.getBytes(StandardCharsets.UTF_8));
                err.write('\n');
                err.flush();
            } catch (IOException ignored) {
                // nowhere left to report to
            }
        }
    }

    /** Waits (up to {@code millis}) for every pump to reach the end of its stream, then flushes. */
    void drain(long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        List<Thread> all;
        synchronized (pumps) {
            all = new ArrayList<>(pumps);
        }
        for (Thread t : all) {
            t.join(Math.max(1, deadline - System.currentTimeMillis()));
        }
        synchronized (lock) {
            try {
                out.flush();
                err.flush();
            } catch (IOException ignored) {
                // see emit
            }
        }
    }

    @Override
    public void close() {
        synchronized (files) {
            for (OutputStream f : files) {
                try {
                    f.close();
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }
}
