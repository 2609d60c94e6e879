package org.hvd4j.allreduce.runtime;

import java.nio.ByteBuffer;
import org.hvd4j.allreduce.comm.Bytes;
import org.hvd4j.allreduce.comm.Communicator;
import org.hvd4j.allreduce.comm.Pieces;
import org.hvd4j.allreduce.comm.Reducer;
import org.hvd4j.tensor.DType;

/**
 * Packs the tensors of a fused allreduce into one buffer and back.
 *
 * <p><b>Layout.</b> Each tensor is cut into its own {@link Pieces#balanced} pieces, one per rank,
 * and the buffer holds piece 0 of every tensor, then piece 1 of every tensor, and so on; its
 * piece {@code k} is the concatenation of the tensors' pieces {@code k}. Since a transport makes
 * an element's value depend only on the index of its piece, every tensor gets exactly the bits it
 * would get reduced alone: fused and unfused results are identical.
 *
 * <p>The buffer is the communicator's {@linkplain Communicator#allocate registered} memory (for
 * shared memory, the packing copy is then the only copy of the input), allocated on first use
 * with the fusion threshold as its size.
 */
final class FusionBuffer {
    private final Communicator comm;
    private final int capacity;
    private ByteBuffer buffer;

    FusionBuffer(Communicator comm, long capacity) {
        this.comm = comm;
        this.capacity = (int) Math.max(capacity, 0);
    }

    /** A buffer of at least {@code bytes}: the fusion buffer, or a temporary one beyond its size. */
    ByteBuffer get(int bytes) {
        if (bytes > capacity) {
            return Bytes.direct(bytes);
        }
        if (buffer == null) {
            buffer = comm.allocate(capacity);
        }
        return buffer;
    }

    /** The pieces of each tensor: {@code pieces[i][k]} elements of tensor i in piece k. */
    static int[][] layout(int[] numels, int size) {
        int[][] p = new int[numels.length][];
        for (int i = 0; i < numels.length; i++) {
            p[i] = Pieces.balanced(numels[i], size);
        }
        return p;
    }

    /** The fused buffer's pieces: {@code sum over i of pieces[i][k]}. */
    static int[] fusedPieces(int[][] pieces, int size) {
        int[] f = new int[size];
        for (int[] p : pieces) {
            for (int k = 0; k < size; k++) {
                f[k] += p[k];
            }
        }
        return f;
    }

    /** Copies every payload into {@code buf} in the layout above (null payloads contribute zeros). */
    static void pack(Payload[] payloads, int[][] pieces, ByteBuffer buf, int elementBytes) {
        walk(payloads, pieces, elementBytes, (p, offset, count, pos) -> {
            if (p == null) {
                Reducer.fill(DType.UINT8, buf, pos, count * elementBytes, 0); // a joined rank's zeros
            } else {
                p.copyOut(offset, count, buf, pos);
            }
        });
    }

    /** The inverse of {@link #pack} (null payloads are skipped). */
    static void unpack(ByteBuffer buf, Payload[] payloads, int[][] pieces, int elementBytes) {
        walk(payloads, pieces, elementBytes, (p, offset, count, pos) -> {
            if (p != null) {
                p.copyIn(buf, pos, offset, count);
            }
        });
    }

    private interface Visit {
        void run(Payload p, int elementOffset, int count, int bytePos);
    }

    private static void walk(Payload[] payloads, int[][] pieces, int es, Visit v) {
        int size = pieces.length == 0 ? 0 : pieces[0].length;
        int[] done = new int[payloads.length];
        int pos = 0;
        for (int k = 0; k < size; k++) {
            for (int i = 0; i < payloads.length; i++) {
                int n = pieces[i][k];
                if (n > 0) {
                    v.run(payloads[i], done[i], n, pos);
                    done[i] += n;
                    pos += n * es;
                }
            }
        }
    }
}
