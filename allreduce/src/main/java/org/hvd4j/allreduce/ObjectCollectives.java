package org.hvd4j.allreduce;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.hvd4j.allreduce.comm.Bytes;
import org.hvd4j.tensor.DType;

/**
 * Collectives on small Java objects (configuration, resume positions, metrics), by Java
 * serialisation: like Horovod's {@code broadcast_object}, the size goes first, then the bytes.
 * Only for trusted peers of the same job (every connection is authenticated by the job secret).
 */
final class ObjectCollectives {
    private ObjectCollectives() {
    }

    @SuppressWarnings("unchecked")
    static <T extends Serializable> T broadcast(HvdRuntime rt, T value, int root) {
        byte[] bytes = rt.rank() == root ? serialize(value) : new byte[0];
        long[] len = {bytes.length};
        rt.broadcast(len, root);
        byte[] data = rt.rank() == root ? bytes : new byte[(int) len[0]];
        rt.broadcast(data, root);
        return rt.rank() == root ? value : (T) deserialize(data);
    }

    @SuppressWarnings("unchecked")
    static <T extends Serializable> List<T> allgather(HvdRuntime rt, T value) {
        byte[] bytes = serialize(value);
        long[] lengths = rt.allgather(new long[] {bytes.length});
        ByteBuffer b = Bytes.direct(bytes.length);
        b.put(0, bytes);
        ByteBuffer all = new Handle<>(rt.gatherBytes(b, DType.UINT8, bytes.length, null), o -> o.data()).await();
        List<T> out = new ArrayList<>(lengths.length);
        int pos = 0;
        for (long n : lengths) {
            byte[] one = new byte[(int) n];
            all.get(pos, one);
            pos += (int) n;
            out.add((T) deserialize(one));
        }
        return out;
    }

    private static byte[] serialize(Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (IOException e) {
            throw new HvdException("cannot serialise " + value.getClass().getName() + ": " + e.getMessage(), e);
        }
        return bytes.toByteArray();
    }

    private static Object deserialize(byte[] data) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(data))) {
            return in.readObject();
        } catch (IOException | ClassNotFoundException e) {
            throw new HvdException("cannot deserialise a broadcast object: " + e.getMessage(), e);
        }
    }
}
