package org.hvd4j.allreduce.runtime;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.tensor.DType;

/**
 * What the coordinator tells every rank to execute, in the order it must be executed. An
 * allreduce response may name several tensors: they are fused into one buffer.
 *
 * @param kind      the collective, or ERROR / SHUTDOWN / ABORT
 * @param names     the tensors, in fusion-buffer order
 * @param dtype     element type (every tensor of a fused response has it)
 * @param op        reduction as executed (AVERAGE has become SUM with {@code postscale})
 * @param prescale  factor applied by every rank before the reduction
 * @param postscale factor applied after it, including an average's {@code 1/contributors}
 * @param root      broadcast root
 * @param shapes    each tensor's shape (what a joined rank needs to contribute zeros)
 * @param rankDims  allgather: each tensor's first dimension on every rank; alltoall: every
 *                  rank's send splits; otherwise empty
 * @param message   ERROR / ABORT / SHUTDOWN: the text every rank reports
 * @param lastJoined JOIN: the rank that joined last
 * @param onDevice  the tensors are CUDA tensors on every rank that submitted them: allreduce and
 *                  broadcast run on the device path (joined ranks contribute from the device too)
 */
public record Response(OpKind kind, List<String> names, DType dtype, Reduction op, double prescale, double postscale,
                       int root, int[][] shapes, int[][] rankDims, String message, int lastJoined, boolean onDevice) {

    /** A response for host memory. */
    public Response(OpKind kind, List<String> names, DType dtype, Reduction op, double prescale, double postscale,
                    int root, int[][] shapes, int[][] rankDims, String message, int lastJoined) {
        this(kind, names, dtype, op, prescale, postscale, root, shapes, rankDims, message, lastJoined, false);
    }

    /** A response that only carries a message (ERROR for {@code names}, SHUTDOWN, ABORT). */
    static Response message(OpKind kind, List<String> names, String message) {
        return new Response(kind, names, DType.UINT8, Reduction.SUM, 1, 1, -1, new int[0][], new int[0][], message, -1);
    }

    /** Elements of tensor {@code i}. */
    public int numel(int i) {
        long n = 1;
        for (int d : shapes[i]) {
            n *= d;
        }
        return Math.toIntExact(n);
    }

    void write(DataOutputStream out) throws IOException {
        out.writeByte(kind.ordinal());
        out.writeInt(names.size());
        for (String n : names) {
            out.writeUTF(n);
        }
        out.writeByte(dtype.ordinal());
        out.writeByte(op.ordinal());
        out.writeDouble(prescale);
        out.writeDouble(postscale);
        out.writeInt(root);
        Wire.writeMatrix(out, shapes);
        Wire.writeMatrix(out, rankDims);
        out.writeBoolean(message != null);
        if (message != null) {
            byte[] m = message.getBytes(StandardCharsets.UTF_8);
            out.writeInt(m.length);
            out.write(m);
        }
        out.writeInt(lastJoined);
        out.writeBoolean(onDevice);
    }

    static Response read(DataInputStream in) throws IOException {
        OpKind kind = OpKind.values()[in.readByte()];
        int n = in.readInt();
        if (n < 0 || n > Wire.MAX_ARRAY) {
            throw new IOException("corrupt control message: " + n + " names");
        }
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            names.add(in.readUTF());
        }
        DType dtype = DType.values()[in.readByte()];
        Reduction op = Reduction.values()[in.readByte()];
        double pre = in.readDouble();
        double post = in.readDouble();
        int root = in.readInt();
        int[][] shapes = Wire.readMatrix(in);
        int[][] dims = Wire.readMatrix(in);
        String message = null;
        if (in.readBoolean()) {
            int len = in.readInt();
            if (len < 0 || len > Wire.MAX_ARRAY) {
                throw new IOException("corrupt control message: message of " + len + " bytes");
            }
            byte[] m = new byte[len];
            in.readFully(m);
            message = new String(m, StandardCharsets.UTF_8);
        }
        int lastJoined = in.readInt();
        return new Response(kind, List.copyOf(names), dtype, op, pre, post, root, shapes, dims, message, lastJoined,
                in.readBoolean());
    }

    @Override
    public String toString() {
        return kind.label() + " " + names + (onDevice ? " on the device" : "") + (message != null ? ": " + message : "");
    }
}
