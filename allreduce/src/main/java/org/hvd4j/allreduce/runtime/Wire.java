package org.hvd4j.allreduce.runtime;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/** Encoding helpers of the control messages (length-prefixed arrays of a bounded size). */
final class Wire {
    /** Upper bound on any array in a control message, so a corrupt length cannot exhaust memory. */
    static final int MAX_ARRAY = 1 << 20;

    private Wire() {
    }

    static void writeInts(DataOutputStream out, int[] a) throws IOException {
        out.writeInt(a.length);
        for (int v : a) {
            out.writeInt(v);
        }
    }

    static int[] readInts(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_ARRAY) {
            throw new IOException("corrupt control message: array of " + n + " ints");
        }
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = in.readInt();
        }
        return a;
    }

    static void writeMatrix(DataOutputStream out, int[][] m) throws IOException {
        out.writeInt(m.length);
        for (int[] row : m) {
            writeInts(out, row);
        }
    }

    static int[][] readMatrix(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_ARRAY) {
            throw new IOException("corrupt control message: matrix of " + n + " rows");
        }
        int[][] m = new int[n][];
        for (int i = 0; i < n; i++) {
            m[i] = readInts(in);
        }
        return m;
    }
}
