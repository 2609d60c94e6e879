package org.hvd4j.allreduce.runtime;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.tensor.DType;

/**
 * One rank's announcement that a named collective is ready on its side, with everything the
 * coordinator must check against the other ranks (Horovod's {@code Request}).
 *
 * @param rank      the announcing rank
 * @param name      the tensor name, identical on every rank
 * @param kind      the collective
 * @param dtype     element type
 * @param shape     the tensor's shape on this rank
 * @param op        reduction (allreduce, reducescatter), else SUM
 * @param root      broadcast root, else -1
 * @param prescale  factor applied before the reduction
 * @param postscale factor applied after it (AVERAGE's 1/n is added by the coordinator)
 * @param splits    alltoall: rows sent to each rank; empty otherwise
 * @param onDevice  the payload is a CUDA tensor that takes the device path (allreduce and broadcast of
 *                  it run on the device communicator); every rank must agree, since a joined rank
 *                  follows the response
 */
public record Request(int rank, String name, OpKind kind, DType dtype, int[] shape, Reduction op, int root,
                      double prescale, double postscale, int[] splits, boolean onDevice) {

    /** A request for host memory (or a device tensor staged through the host). */
    public Request(int rank, String name, OpKind kind, DType dtype, int[] shape, Reduction op, int root,
                   double prescale, double postscale, int[] splits) {
        this(rank, name, kind, dtype, shape, op, root, prescale, postscale, splits, false);
    }

    /** This request with {@link #onDevice} set to {@code device}. */
    public Request withOnDevice(boolean device) {
        return device == onDevice ? this
                : new Request(rank, name, kind, dtype, shape, op, root, prescale, postscale, splits, device);
    }

    /** Number of elements of {@link #shape}. */
    public long numel() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    void write(DataOutputStream out) throws IOException {
        out.writeInt(rank);
        out.writeUTF(name);
        out.writeByte(kind.ordinal());
        out.writeByte(dtype.ordinal());
        Wire.writeInts(out, shape);
        out.writeByte(op.ordinal());
        out.writeInt(root);
        out.writeDouble(prescale);
        out.writeDouble(postscale);
        Wire.writeInts(out, splits);
        out.writeBoolean(onDevice);
    }

    static Request read(DataInputStream in) throws IOException {
        return new Request(in.readInt(), in.readUTF(), OpKind.values()[in.readByte()], DType.values()[in.readByte()],
                Wire.readInts(in), Reduction.values()[in.readByte()], in.readInt(), in.readDouble(), in.readDouble(),
                Wire.readInts(in), in.readBoolean());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Request r && r.rank == rank && r.name.equals(name) && r.kind == kind && r.dtype == dtype
                && Arrays.equals(r.shape, shape) && r.op == op && r.root == root
                && Double.compare(r.prescale, prescale) == 0 && Double.compare(r.postscale, postscale) == 0
                && Arrays.equals(r.splits, splits) && r.onDevice == onDevice;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + rank;
    }

    @Override
    public String toString() {
        return kind.label() + " '" + name + "' " + dtype + Arrays.toString(shape) + (onDevice ? " on the device" : "")
                + " from rank " + rank;
    }
}
