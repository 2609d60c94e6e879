package org.hvd4j.allreduce.comm;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Allgathers of a few values per rank over a {@link Communicator}, for decisions the ranks of a
 * group must take alike (which algorithm, which file to map).
 */
public final class SmallAllgathers {
    private SmallAllgathers() {
    }

    /** Every rank's {@code mine}, by rank. */
    public static int[] ints(Communicator comm, int mine) {
        int size = comm.size();
        ByteBuffer recv = Bytes.direct(4 * size);
        int[] four = new int[size];
        Arrays.fill(four, 4);
        comm.allgather(Bytes.direct(4).putInt(0, mine), recv, four);
        int[] all = new int[size];
        for (int j = 0; j < size; j++) {
            all[j] = recv.getInt(4 * j);
        }
        return all;
    }

    /** Every rank's {@code mine} (any length, empty included), by rank. */
    public static byte[][] bytes(Communicator comm, byte[] mine) {
        int[] lengths = ints(comm, mine.length);
        ByteBuffer all = Bytes.direct(Math.max(1, Pieces.total(lengths)));
        comm.allgather(Bytes.direct(Math.max(1, mine.length)).put(0, mine), all, lengths);
        byte[][] out = new byte[lengths.length][];
        for (int j = 0, at = 0; j < lengths.length; at += lengths[j++]) {
            out[j] = new byte[lengths[j]];
            all.get(at, out[j]);
        }
        return out;
    }
}
