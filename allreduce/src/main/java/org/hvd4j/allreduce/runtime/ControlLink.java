package org.hvd4j.allreduce.runtime;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.hvd4j.allreduce.net.Frames;
import org.hvd4j.allreduce.net.Sockets;

/**
 * One end of the control connection between a rank and the coordinator: whole frames in both
 * directions. Rank 0 talks to its own coordinator through an in-memory pair; other ranks through
 * an authenticated socket.
 */
interface ControlLink extends AutoCloseable {
    /** Largest control message accepted (a response list names at most a few thousand tensors). */
    int MAX_FRAME = 64 << 20;

    void send(byte[] frame) throws IOException;

    /** The next frame; blocks; {@link EOFException} once the other end closed. */
    byte[] receive() throws IOException;

    @Override
    void close();

    /** Over a connected, authenticated socket. */
    static ControlLink over(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
        DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
        return new ControlLink() {
            @Override
            public void send(byte[] frame) throws IOException {
                synchronized (out) {
                    Frames.write(out, frame);
                }
            }

            @Override
            public byte[] receive() throws IOException {
                return Frames.read(in, MAX_FRAME);
            }

            @Override
            public void close() {
                Sockets.closeQuietly(socket);
            }
        };
    }

    /** Two connected in-memory ends: {@code [0]} for the rank, {@code [1]} for the coordinator. */
    static ControlLink[] inMemoryPair() {
        BlockingQueue<byte[]> up = new LinkedBlockingQueue<>();
        BlockingQueue<byte[]> down = new LinkedBlockingQueue<>();
        return new ControlLink[] {new InMemory(up, down), new InMemory(down, up)};
    }

    /** One end of {@link #inMemoryPair}; closing puts an empty frame that reads as end of stream. */
    final class InMemory implements ControlLink {
        private static final byte[] CLOSED = new byte[0];
        private final BlockingQueue<byte[]> out;
        private final BlockingQueue<byte[]> in;
        private volatile boolean closed;

        InMemory(BlockingQueue<byte[]> out, BlockingQueue<byte[]> in) {
            this.out = out;
            this.in = in;
        }

        @Override
        public void send(byte[] frame) throws IOException {
            if (closed) {
                throw new IOException("control link closed");
            }
            out.add(frame);
        }

        @Override
        public byte[] receive() throws IOException {
            try {
                byte[] f = in.take();
                if (f == CLOSED) {
                    in.add(CLOSED); // stays at end of stream for later calls
                    throw new EOFException("control link closed");
                }
                return f;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                out.add(CLOSED);
                in.add(CLOSED);
            }
        }
    }
}
