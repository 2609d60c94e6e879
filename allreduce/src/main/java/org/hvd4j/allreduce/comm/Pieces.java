package org.hvd4j.allreduce.comm;

/**
 * How a buffer of elements is cut into one piece per rank (see {@link Communicator}): the
 * default, balanced layout, plus the arithmetic the transports share.
 */
public final class Pieces {
    /**
     * Piece sizes are multiples of this many elements (except the last non-empty one), so that
     * pieces start on 64-byte boundaries for float32 and the reduction loops stay aligned.
     */
    public static final int ALIGN = 16;

    private Pieces() {
    }

    /**
     * {@code size} pieces covering {@code count} elements: each of {@code ceil(count/size)} rounded
     * up to {@link #ALIGN}, the remainder in the last non-empty piece, empty pieces at the end.
     */
    public static int[] balanced(int count, int size) {
        if (count < 0 || size < 1) {
            throw new IllegalArgumentException("count " + count + ", size " + size);
        }
        int[] p = new int[size];
        long per = ((long) count + size - 1) / size;
        per = (per + ALIGN - 1) / ALIGN * ALIGN;
        int left = count;
        for (int k = 0; k < size; k++) {
            int n = (int) Math.min(per, left);
            p[k] = n;
            left -= n;
        }
        return p;
    }

    /** Sum of the pieces. */
    public static int total(int[] pieces) {
        long t = 0;
        for (int n : pieces) {
            t += n;
        }
        if (t > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pieces add up to more than 2^31-1 elements");
        }
        return (int) t;
    }

    /** Start of every piece, in elements: {@code offsets[k] = pieces[0] + ... + pieces[k-1]}. */
    public static int[] offsets(int[] pieces) {
        int[] o = new int[pieces.length + 1];
        for (int k = 0; k < pieces.length; k++) {
            o[k + 1] = o[k] + pieces[k];
        }
        return o;
    }

    /**
     * The element ranges of {@link Communicator#allreduceShared} for one buffer cut into {@code
     * pieces} that starts at element {@code first}: rank {@code k} reduces {@code {first +
     * offsets[k], pieces[k]}}.
     */
    public static int[][] ranges(int first, int[] pieces) {
        int[][] owned = new int[pieces.length][];
        for (int k = 0, at = first; k < pieces.length; at += pieces[k++]) {
            owned[k] = new int[] {at, pieces[k]};
        }
        return owned;
    }

    /** Checks that {@code pieces} has one entry per rank and that none is negative. */
    public static void check(int[] pieces, int size) {
        if (pieces.length != size) {
            throw new IllegalArgumentException(pieces.length + " pieces for " + size + " ranks");
        }
        for (int n : pieces) {
            if (n < 0) {
                throw new IllegalArgumentException("negative piece size " + n);
            }
        }
    }
}
