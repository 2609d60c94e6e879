package org.hvd4j.allreduce.comm;

import java.nio.ByteBuffer;
import org.hvd4j.allreduce.Reduction;
import org.hvd4j.tensor.DType;

/** The group of one: every collective is the identity (allgather and alltoall copy). */
public final class SoloCommunicator implements Communicator {
    private volatile String aborted;

    @Override
    public String name() {
        return "solo";
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public void allreduce(ByteBuffer buf, DType type, Reduction op, int[] pieces) {
        check();
        Pieces.check(pieces, 1);
    }

    @Override
    public void allgather(ByteBuffer send, ByteBuffer recv, int[] bytesPerRank) {
        check();
        Bytes.copy(send, 0, recv, 0, bytesPerRank[0]);
    }

    @Override
    public void broadcast(ByteBuffer buf, int bytes, int root) {
        check();
        if (root != 0) {
            throw new IllegalArgumentException("broadcast root " + root + " in a group of 1");
        }
    }

    @Override
    public void reducescatter(ByteBuffer send, ByteBuffer recv, DType type, Reduction op, int[] pieces) {
        check();
        Bytes.copy(send, 0, recv, 0, pieces[0] * type.bytes());
    }

    @Override
    public void alltoall(ByteBuffer send, int[] sendBytes, ByteBuffer recv, int[] recvBytes) {
        check();
        Bytes.copy(send, 0, recv, 0, sendBytes[0]);
    }

    @Override
    public void barrier() {
        check();
    }

    @Override
    public ByteBuffer allocate(int bytes) {
        return Bytes.direct(bytes);
    }

    @Override
    public void abort(String reason) {
        aborted = reason;
    }

    @Override
    public void close() {
    }

    private void check() {
        if (aborted != null) {
            throw new CommunicatorException("communicator aborted: " + aborted);
        }
    }
}
