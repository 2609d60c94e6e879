package org.hvd4j.allreduce.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * A Chrome-trace / Perfetto timeline of the collectives (Horovod's {@code HOROVOD_TIMELINE}):
 * one "process" per tensor name, with a begin/end pair for each phase of each collective —
 * NEGOTIATE (submitted until every rank was ready), WAIT_FOR_EXECUTION (queued behind the
 * collectives before it), MEMCPY_IN_FUSION_BUFFER, the collective itself (e.g. {@code ALLREDUCE
 * shm}) and MEMCPY_OUT_FUSION_BUFFER. Open the file in
 * {@code chrome://tracing} or ui.perfetto.dev.
 *
 * <p><b>Always valid JSON.</b> The file is a JSON array that always ends with {@code ]}: each
 * flush overwrites that bracket with the new events and a new bracket, in one positioned write,
 * so a process killed at any moment leaves a file that parses. Events are buffered and flushed
 * every 100 ms (and on close), so a crash loses at most the last 100 ms.
 */
public final class Timeline implements AutoCloseable {
    private static final long FLUSH_NANOS = 100_000_000;
    private static final int FLUSH_BYTES = 64 << 10;

    private final FileChannel file;
    private final long startNanos = System.nanoTime();
    private final Map<String, Integer> pids = new HashMap<>();
    private final StringBuilder pending = new StringBuilder();
    private long endOfArray;
    private boolean empty = true;
    private long lastFlush = System.nanoTime();

    private Timeline(FileChannel file) throws IOException {
        this.file = file;
        file.write(ByteBuffer.wrap("[\n]".getBytes(StandardCharsets.US_ASCII)), 0);
        endOfArray = 2;
    }

    /** Creates (truncates) {@code path}. */
    public static Timeline open(Path path) throws IOException {
        return new Timeline(FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING));
    }

    /** Starts {@code phase} of {@code tensor}. */
    public synchronized void begin(String tensor, String phase) {
        event(tensor, phase, 'B');
    }

    /** Ends the innermost open phase of {@code tensor}. */
    public synchronized void end(String tensor) {
        event(tensor, null, 'E');
    }

    private void event(String tensor, String phase, char ph) {
        Integer pid = pids.get(tensor);
        if (pid == null) {
            pid = pids.size() + 1;
            pids.put(tensor, pid);
            append("{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":" + pid + ",\"args\":{\"name\":"
                    + JsonText.quote(tensor) + "}}");
        }
        long us = (System.nanoTime() - startNanos) / 1000;
        append("{\"ph\":\"" + ph + "\",\"pid\":" + pid + ",\"tid\":0,\"ts\":" + us
                + (phase != null ? ",\"name\":" + JsonText.quote(phase) : "") + "}");
        long now = System.nanoTime();
        if (pending.length() > FLUSH_BYTES || now - lastFlush > FLUSH_NANOS) {
            flush();
        }
    }

    private void append(String json) {
        if (!empty || pending.length() > 0) {
            pending.append(",\n");
        }
        pending.append(json);
    }

    /** Writes what is buffered (the file stays a complete JSON array). */
    public synchronized void flush() {
        lastFlush = System.nanoTime();
        if (pending.length() == 0) {
            return;
        }
        pending.append("\n]");
        byte[] bytes = pending.toString().getBytes(StandardCharsets.UTF_8);
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            long pos = endOfArray;
            while (b.hasRemaining()) {
                pos += file.write(b, pos);
            }
            endOfArray += bytes.length - 1;
            empty = false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the timeline: " + e.getMessage(), e);
        } finally {
            pending.setLength(0);
        }
    }

    @Override
    public synchronized void close() {
        flush();
        try {
            file.force(true);
            file.close();
        } catch (IOException ignored) {
            // the file is complete after the last flush
        }
    }
}
