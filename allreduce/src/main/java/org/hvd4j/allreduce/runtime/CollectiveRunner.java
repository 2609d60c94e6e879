package org.hvd4j.allreduce.runtime;

import java.nio.ByteBuffer;
import java.util.List;
import org.hvd4j.allreduce.comm.Bytes;
import org.hvd4j.allreduce.comm.Communicator;
import org.hvd4j.allreduce.comm.Pieces;
import org.hvd4j.allreduce.comm.Reducer;
import org.hvd4j.allreduce.comm.SharedBuffer;
import org.hvd4j.tensor.DType;

/**
 * Executes one response on this rank's communicator: stages the payloads where needed, applies
 * the scale factors, runs the collective and hands back the outcomes. A null entry means this
 * rank has joined and contributes zeros (allreduce, reducescatter) or nothing.
 *
 * <p>Allreduce and broadcast of CUDA tensors ({@link Response#onDevice}) go to the device path,
 * {@link DeviceCollectives}, where it {@linkplain DeviceCollectives#handles handles} them; every
 * other collective of a CUDA tensor copies it to the host and back, as host memory is reduced
 * here.
 */
final class CollectiveRunner {
    /** Tensors of at least this many bytes are reduced in place even inside a fused response. */
    static final long LARGE = 256 << 10;

    private final Communicator comm;
    private final FusionBuffer fusion;
    private final DeviceCollectives devices;
    private final Timeline timeline;

    CollectiveRunner(Communicator comm, FusionBuffer fusion, DeviceCollectives devices, Timeline timeline) {
        this.comm = comm;
        this.fusion = fusion;
        this.devices = devices;
        this.timeline = timeline;
    }

    /** Runs {@code r}; {@code entries[i]} belongs to {@code r.names().get(i)}. */
    Outcome[] run(Response r, Entry[] entries) {
        if (DeviceCollectives.handles(r)) {
            return onDevice(r, entries);
        }
        return switch (r.kind()) {
            case ALLREDUCE -> allreduce(r, entries);
            case BROADCAST -> one(broadcast(r, entries[0]));
            case ALLGATHER -> one(allgather(r, entries[0]));
            case REDUCESCATTER -> one(reducescatter(r, entries[0]));
            case ALLTOALL -> one(alltoall(r, entries[0]));
            case BARRIER -> {
                phase(r.names(), "BARRIER", comm::barrier);
                yield one(Outcome.done());
            }
            case SHARE -> one(share(r));
            default -> throw new IllegalStateException("not a collective: " + r.kind());
        };
    }

    /**
     * A buffer of {@code numel × dtype} bytes shared by this host's ranks, as the outcome's data
     * (null where the transport has none: TCP, hierarchical, or a rank could not map it; and for
     * 0 bytes, which map nothing).
     */
    private Outcome share(Response r) {
        long bytes = (long) r.numel(0) * r.dtype().bytes();
        SharedBuffer[] s = new SharedBuffer[1];
        phase(r.names(), "SHARE", () -> s[0] = bytes > 0 && bytes <= Integer.MAX_VALUE ? comm.share((int) bytes) : null);
        return new Outcome(s[0] == null ? null : s[0].bytes(), r.shapes()[0], null, -1);
    }

    private static Outcome[] one(Outcome o) {
        return new Outcome[] {o};
    }

    private Outcome[] onDevice(Response r, Entry[] entries) {
        Payload[] ps = new Payload[entries.length];
        for (int i = 0; i < ps.length; i++) {
            ps[i] = entries[i] == null ? null : entries[i].payload();
        }
        if (r.kind() == OpKind.BROADCAST) {
            phase(r.names(), "DEVICE_BROADCAST", () -> devices.broadcast(r, ps[0]));
            return one(Outcome.done());
        }
        phase(r.names(), "DEVICE_ALLREDUCE", () -> devices.allreduce(r, ps));
        Outcome[] out = new Outcome[ps.length];
        java.util.Arrays.fill(out, Outcome.done());
        return out;
    }

    private Outcome[] allreduce(Response r, Entry[] entries) {
        int es = r.dtype().bytes();
        int n = entries.length;
        Payload[] ps = new Payload[n];
        int[] numels = new int[n];
        for (int i = 0; i < n; i++) {
            ps[i] = entries[i] == null ? null : entries[i].payload();
            numels[i] = r.numel(i);
        }
        // Tensors of a fused response at least LARGE bytes are reduced where they lie, one by
        // one; the rest are packed into the fusion buffer. Packing costs two full copies, more
        // than even shared memory's generic path spends (one 16 MiB tensor on 2 ranks: 7.8 GB/s
        // in place, 3.7 GB/s packed into the registered region and back), so only small tensors
        // gain from it. The split depends on the response alone, so every rank runs the same
        // algorithms in the same order.
        List<Integer> packed = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (n == 1 || (long) numels[i] * es >= LARGE) {
                allreduceInPlace(r, r.names().get(i), ps[i], numels[i]);
            } else {
                packed.add(i);
            }
        }
        if (!packed.isEmpty()) {
            allreduceFused(r, packed, ps, numels);
        }
        Outcome[] out = new Outcome[n];
        java.util.Arrays.fill(out, Outcome.done());
        return out;
    }

    /** One tensor, in place on its host memory (a rank without it stages it, or zeros if joined). */
    private void allreduceInPlace(Response r, String name, Payload p, int count) {
        DType type = r.dtype();
        int es = type.bytes();
        ByteBuffer direct = p == null ? null : p.hostBytes();
        ByteBuffer buf = direct != null ? direct : Bytes.direct(count * es);
        if (direct == null) {
            if (p == null) {
                Reducer.fill(type, buf, 0, count, 0);
            } else {
                p.copyOut(0, count, buf, 0);
            }
        }
        phase(List.of(name), "ALLREDUCE " + comm.name(), () -> {
            scale(type, buf, count, r.prescale());
            comm.allreduce(buf, type, r.op(), Pieces.balanced(count, comm.size()));
            scale(type, buf, count, r.postscale());
        });
        if (direct == null && p != null) {
            p.copyIn(buf, 0, 0, count);
        }
    }

    /** The tensors {@code which} of the response, packed into the fusion buffer. */
    private void allreduceFused(Response r, List<Integer> which, Payload[] all, int[] allNumels) {
        DType type = r.dtype();
        int es = type.bytes();
        int size = comm.size();
        Payload[] ps = new Payload[which.size()];
        int[] numels = new int[which.size()];
        List<String> names = new java.util.ArrayList<>();
        long total = 0;
        for (int k = 0; k < ps.length; k++) {
            ps[k] = all[which.get(k)];
            numels[k] = allNumels[which.get(k)];
            names.add(r.names().get(which.get(k)));
            total += (long) numels[k] * es;
        }
        int[][] pieces = FusionBuffer.layout(numels, size);
        int[] fused = FusionBuffer.fusedPieces(pieces, size);
        int count = Pieces.total(fused);
        ByteBuffer buf = fusion.get(Math.toIntExact(total));
        phase(names, "MEMCPY_IN_FUSION_BUFFER", () -> FusionBuffer.pack(ps, pieces, buf, es));
        phase(names, "ALLREDUCE " + comm.name(), () -> {
            scale(type, buf, count, r.prescale());
            comm.allreduce(buf, type, r.op(), fused);
            scale(type, buf, count, r.postscale());
        });
        phase(names, "MEMCPY_OUT_FUSION_BUFFER", () -> FusionBuffer.unpack(buf, ps, pieces, es));
    }

    private Outcome broadcast(Response r, Entry e) {
        Payload p = e.payload();
        int bytes = p.numel() * p.dtype().bytes();
        ByteBuffer buf = p.hostBytes();
        boolean staged = buf == null;
        boolean root = r.root() == comm.rank();
        ByteBuffer b = staged ? Bytes.direct(bytes) : buf;
        if (staged && root) {
            p.copyOut(0, p.numel(), b, 0);
        }
        phase(r.names(), "BROADCAST " + comm.name(), () -> comm.broadcast(b, bytes, r.root()));
        if (staged && !root) {
            p.copyIn(b, 0, 0, p.numel());
        }
        return Outcome.done();
    }

    private Outcome allgather(Response r, Entry e) {
        int[] shape = r.shapes()[0];
        int rowBytes = rowElements(shape) * r.dtype().bytes();
        int[] firstDims = r.rankDims()[0];
        int[] bytes = new int[firstDims.length];
        int rows = 0;
        for (int j = 0; j < bytes.length; j++) {
            bytes[j] = Math.multiplyExact(firstDims[j], rowBytes);
            rows += firstDims[j];
        }
        ByteBuffer send = hostOrCopy(e.payload());
        ByteBuffer recv = Bytes.direct(Pieces.total(bytes));
        phase(r.names(), "ALLGATHER " + comm.name(), () -> comm.allgather(send, recv, bytes));
        return new Outcome(recv, withFirst(shape, rows), null, -1);
    }

    private Outcome reducescatter(Response r, Entry e) {
        DType type = r.dtype();
        int[] shape = r.shapes()[0];
        int rowElems = rowElements(shape);
        int size = comm.size();
        int[] pieces = new int[size];
        int[] rowsOf = new int[size];
        for (int j = 0; j < size; j++) {
            rowsOf[j] = shape[0] / size + (j < shape[0] % size ? 1 : 0);
            pieces[j] = rowsOf[j] * rowElems;
        }
        int count = r.numel(0);
        ByteBuffer send = Bytes.direct(count * type.bytes()); // the transport may use it as scratch
        if (e == null) {
            Reducer.fill(type, send, 0, count, 0);
        } else {
            e.payload().copyOut(0, count, send, 0);
        }
        ByteBuffer recv = Bytes.direct(pieces[comm.rank()] * type.bytes());
        phase(r.names(), "REDUCESCATTER " + comm.name(), () -> {
            scale(type, send, count, r.prescale());
            comm.reducescatter(send, recv, type, r.op(), pieces);
            scale(type, recv, pieces[comm.rank()], r.postscale());
        });
        return new Outcome(recv, withFirst(shape, rowsOf[comm.rank()]), null, -1);
    }

    private Outcome alltoall(Response r, Entry e) {
        int[] shape = r.shapes()[0];
        int rowBytes = rowElements(shape) * r.dtype().bytes();
        int size = comm.size();
        int me = comm.rank();
        int[][] splits = r.rankDims();
        int[] sendBytes = new int[size];
        int[] recvBytes = new int[size];
        int[] received = new int[size];
        int rows = 0;
        for (int j = 0; j < size; j++) {
            sendBytes[j] = Math.multiplyExact(splits[me][j], rowBytes);
            received[j] = splits[j][me];
            recvBytes[j] = Math.multiplyExact(received[j], rowBytes);
            rows += received[j];
        }
        ByteBuffer send = hostOrCopy(e.payload());
        ByteBuffer recv = Bytes.direct(Pieces.total(recvBytes));
        phase(r.names(), "ALLTOALL " + comm.name(), () -> comm.alltoall(send, sendBytes, recv, recvBytes));
        return new Outcome(recv, withFirst(shape, rows), received, -1);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static ByteBuffer hostOrCopy(Payload p) {
        ByteBuffer b = p.hostBytes();
        if (b == null) {
            b = Bytes.direct(p.numel() * p.dtype().bytes());
            p.copyOut(0, p.numel(), b, 0);
        }
        return b;
    }

    /** Elements per row: the product of the dimensions after the first (1 for 1-d and scalars). */
    static int rowElements(int[] shape) {
        int n = 1;
        for (int i = 1; i < shape.length; i++) {
            n = Math.multiplyExact(n, shape[i]);
        }
        return n;
    }

    private static int[] withFirst(int[] shape, int first) {
        int[] s = shape.length == 0 ? new int[1] : shape.clone();
        s[0] = first;
        return s;
    }

    /** {@code buf[0, count)} times {@code factor}, unless it is 1 (any type then). */
    static void scale(DType type, ByteBuffer buf, int count, double factor) {
        if (factor != 1.0 && count > 0) {
            Reducer.scale(type, buf, 0, count, factor);
        }
    }

    /** Runs {@code body}, recording it on the timeline as {@code phase} of every tensor of {@code names}. */
    void phase(List<String> names, String phase, Runnable body) {
        if (timeline != null) {
            for (String n : names) {
                timeline.begin(n, phase);
            }
        }
        try {
            body.run();
        } finally {
            if (timeline != null) {
                for (String n : names) {
                    timeline.end(n);
                }
            }
        }
    }
}
