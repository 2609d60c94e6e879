package org.hvd4j.allreduce.ring;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import org.hvd4j.allreduce.net.Sockets;

/**
 * The sending half of a transport: a daemon thread that writes queued byte ranges to their
 * channels in order, so that the calling thread can receive and reduce at the same time (a ring
 * step sends one block while it receives the next; without a second thread both ranks of a pair
 * could block writing to each other).
 */
final class ChannelSender implements AutoCloseable {
    private record Task(SocketChannel channel, ByteBuffer bytes) {
    }

    /** Writes up to this size go out from the calling thread (below Linux's smallest socket buffer). */
    static final int DIRECT_BYTES = 8 << 10;

    private final ArrayDeque<Task> queue = new ArrayDeque<>();
    private final Thread thread;
    private long queued;
    private long written;
    private IOException failure;
    private boolean closed;

    ChannelSender(String name) {
        thread = Sockets.daemon(this::run, name);
        thread.start();
    }

    /**
     * Queues {@code buf[pos, pos + n)} for {@code channel}; the range must not change until {@link
     * #flush}. A small range with nothing queued before it is written at once by the calling
     * thread: waking the sender thread costs tens of microseconds, and a write smaller than any
     * socket buffer cannot block for long (every byte sent earlier belongs to a collective the
     * peer is still finishing, and it reads it without waiting for this rank).
     */
    void send(SocketChannel channel, ByteBuffer buf, int pos, int n) throws IOException {
        ByteBuffer slice = buf.slice(pos, n);
        synchronized (this) {
            if (failure != null) {
                throw failure;
            }
            if (n > DIRECT_BYTES || !queue.isEmpty()) {
                queue.addLast(new Task(channel, slice));
                queued++;
                notifyAll();
                return;
            }
        }
        while (slice.hasRemaining()) {
            channel.write(slice);
        }
    }

    /** Waits until everything queued so far has been written. */
    synchronized void flush() throws IOException {
        while (written < queued && failure == null && !closed) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while sending", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        if (written < queued) {
            throw new IOException("sender closed with " + (queued - written) + " ranges unsent");
        }
    }

    private void run() {
        while (true) {
            Task t;
            synchronized (this) {
                while (queue.isEmpty() && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                t = queue.peekFirst();
            }
            try {
                while (t.bytes.hasRemaining()) {
                    t.channel.write(t.bytes);
                }
            } catch (IOException e) {
                synchronized (this) {
                    failure = e;
                    queue.clear();
                    notifyAll();
                }
                return;
            }
            synchronized (this) {
                queue.pollFirst();
                written++;
                notifyAll();
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }
}
