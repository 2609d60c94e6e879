package org.hvd4j.tensor.cuda;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.hvd4j.cuda.CudaDriver;
import org.hvd4j.cuda.KernelArgs;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.Tensor;

/**
 * Tensor fusion on the device for the distributed runtime: a communication stream of its own, a
 * fusion buffer in device memory, and the {@code hvd_pack_f32} / {@code hvd_unpack_f32} launches
 * that copy tensors into it and back with a scale factor (the runtime's prescale and postscale).
 *
 * <p><b>Ordering.</b> Everything here is enqueued on {@link #stream()}, not on the backend's
 * compute stream. {@link #waitForCompute} makes the communication stream wait (on the device,
 * without blocking the host) for everything enqueued on the compute stream so far, which includes
 * the kernels that produced a gradient before its ready hook fired. The caller orders the
 * other way round by waiting on the host ({@link #synchronize} or the communicator's own wait)
 * before handing results back: kernels the training thread enqueues afterwards then see them.
 *
 * <p><b>Layout.</b> A {@link Plan} copies {@code pieces[i][k]} elements of tensor {@code i} for
 * each piece {@code k}, piece 0 of every tensor first, then piece 1 of every tensor, ... — the
 * layout of the host fusion buffer, so that a transport following the piece rule gives every
 * tensor the bits it gets alone. Each (tensor, piece) pair is one row of the pack kernel's grid
 * ({@code gridDim.y} = rows, at most 65535 per launch). A null tensor (a rank that has joined)
 * contributes zeros. Types other than float32 are copied device to device, without a scale.
 *
 * <p>The device buffers come from the backend's caching allocator and grow on demand; a buffer
 * is given back to it only after the communication stream has been synchronised, since the
 * allocator assumes that a block's earlier users ran on the compute stream.
 *
 * <p>Used from one thread (the runtime's engine thread); the backend's compute stream may be in
 * use by other threads meanwhile.
 */
public final class DeviceFusion implements AutoCloseable {
    private static final int MAX_ROWS = 65535;
    private static final int MAX_BLOCKS_X = 256;
    private static final int MAX_GRID = 65535;

    private final CudaBackend backend;
    private final CudaDriver driver;
    private final long stream;
    private final long computeMark;
    private final long tableMark;
    private CudaStorage buffer;
    private CudaStorage table;
    private ByteBuffer hostTable;
    private boolean tablePending;
    private boolean closed;

    /** A communication stream and (lazily) a fusion buffer on {@code backend}'s device. */
    public DeviceFusion(CudaBackend backend) {
        this.backend = backend;
        this.driver = backend.driver();
        this.stream = driver.streamCreate();
        this.computeMark = driver.eventCreate();
        this.tableMark = driver.eventCreate();
    }

    public CudaBackend backend() {
        return backend;
    }

    /** The communication stream: every launch and copy of this class goes there. */
    public long stream() {
        return stream;
    }

    /** Device bytes of the fusion buffer (0 before first use). */
    public long capacity() {
        return buffer == null ? 0 : buffer.bytes();
    }

    /**
     * Records an event at the current end of the backend's compute stream and makes the
     * communication stream wait for it: later work here sees every result enqueued there so far.
     */
    public void waitForCompute() {
        driver.eventRecord(computeMark, backend.stream());
        driver.streamWaitEvent(stream, computeMark);
    }

    /** Blocks until everything enqueued on the communication stream has finished. */
    public void synchronize() {
        driver.streamSynchronize(stream);
    }

    /** {@code count} float32 elements at {@code address} multiplied by {@code s} in place (nothing for s = 1). */
    public void scale(long address, int count, float s) {
        if (s == 1f || count == 0) {
            return;
        }
        int grid = (int) Math.min((count + CudaBackend.BLOCK - 1L) / CudaBackend.BLOCK, MAX_GRID);
        driver.launch("hvd_scale_f32", grid, 1, CudaBackend.BLOCK, stream,
                new KernelArgs().ptr(address).f32(s).ptr(address).i32(count));
    }

    /** Device address of the fusion buffer, grown to at least {@code bytes}. */
    public long buffer(long bytes) {
        if (buffer == null || buffer.bytes() < bytes) {
            buffer = regrow(buffer, Math.max(bytes, 1));
        }
        return buffer.address();
    }

    private CudaStorage regrow(CudaStorage old, long bytes) {
        if (old != null) {
            synchronize(); // the communication stream may still use it; the allocator assumes it does not
            backend.recycle(old);
        }
        return (CudaStorage) backend.allocate(bytes);
    }

    // ---- plans ----------------------------------------------------------------------------------

    /** One copy between a tensor and the buffer: {@code count} elements at {@code address} ↔ buffer element {@code pos}. */
    private record Segment(long address, long pos, long count) {
    }

    /** Consecutive segments packed by one launch; its srcs and offsets live in the device table at the byte offsets given. */
    private record Run(int first, int rows, long srcsAt, long offsetsAt, long longest) {
    }

    /**
     * Lays {@code tensors} out in the fusion buffer (grown to fit) as the class comment says and,
     * for float32, uploads the address table the kernels read (on the communication stream).
     *
     * @param tensors the tensors, all on this backend, of type {@code type}; null for zeros
     * @param pieces  {@code pieces[i][k]}: elements of tensor {@code i} in piece {@code k}
     */
    public Plan plan(Tensor[] tensors, int[][] pieces, DType type) {
        int size = pieces.length == 0 ? 0 : pieces[0].length;
        long[] done = new long[tensors.length];
        List<Segment> segments = new ArrayList<>();
        List<Integer> runStarts = new ArrayList<>();
        boolean zeros = false;
        boolean inRun = false;
        long pos = 0;
        for (int k = 0; k < size; k++) {
            for (int i = 0; i < tensors.length; i++) {
                int n = pieces[i][k];
                if (n == 0) {
                    continue;
                }
                if (tensors[i] == null) {
                    zeros = true;
                    inRun = false;
                } else {
                    if (tensors[i].dtype() != type) {
                        throw new IllegalArgumentException(tensors[i].describe() + " in a fused " + type + " collective");
                    }
                    if (!inRun) {
                        runStarts.add(segments.size());
                        inRun = true;
                    }
                    segments.add(new Segment(backend.ptr(tensors[i], done[i]), pos, n));
                }
                done[i] += n;
                pos += n;
            }
        }
        long bytes = pos * type.bytes();
        long address = buffer(bytes);
        List<Run> runs = type == DType.FLOAT32 ? upload(segments, runStarts) : List.of();
        return new Plan(type, pos, address, zeros, segments, runs);
    }

    /** Writes each run's srcs and offsets (runs cut at MAX_ROWS) into the table and copies it to the device. */
    private List<Run> upload(List<Segment> segments, List<Integer> runStarts) {
        List<Run> runs = new ArrayList<>();
        long at = 0;
        for (int r = 0; r < runStarts.size(); r++) {
            int start = runStarts.get(r);
            int end = r + 1 < runStarts.size() ? runStarts.get(r + 1) : segments.size();
            for (int first = start; first < end; first += MAX_ROWS) {
                int rows = Math.min(MAX_ROWS, end - first);
                long longest = 0;
                for (int j = first; j < first + rows; j++) {
                    longest = Math.max(longest, segments.get(j).count());
                }
                runs.add(new Run(first, rows, at, at + 8L * rows, longest));
                at += 8L * rows + 8L * (rows + 1);
            }
        }
        if (at == 0) {
            return runs;
        }
        if (tablePending) {
            driver.eventSynchronize(tableMark); // the last upload has read the host table
            tablePending = false;
        }
        if (hostTable == null || hostTable.capacity() < at) {
            if (hostTable != null) {
                driver.hostFree(hostTable);
            }
            hostTable = driver.hostAlloc(Math.toIntExact(Math.max(at, 4096)));
        }
        if (table == null || table.bytes() < at) {
            table = regrow(table, at);
        }
        for (Run run : runs) {
            for (int j = 0; j < run.rows(); j++) {
                Segment s = segments.get(run.first() + j);
                hostTable.putLong((int) (run.srcsAt() + 8L * j), s.address());
                hostTable.putLong((int) (run.offsetsAt() + 8L * j), s.pos());
            }
            Segment last = segments.get(run.first() + run.rows() - 1);
            hostTable.putLong((int) (run.offsetsAt() + 8L * run.rows()), last.pos() + last.count());
        }
        driver.copyHostToDevice(table.address(), hostTable, 0, at, stream);
        driver.eventRecord(tableMark, stream);
        tablePending = true;
        return runs;
    }

    /**
     * One fused collective's layout in the fusion buffer. Valid until the next {@link #plan}
     * (which may regrow the buffer and rewrite the table).
     */
    public final class Plan {
        private final DType type;
        private final long elements;
        private final long address;
        private final boolean zeros;
        private final List<Segment> segments;
        private final List<Run> runs;

        private Plan(DType type, long elements, long address, boolean zeros, List<Segment> segments, List<Run> runs) {
            this.type = type;
            this.elements = elements;
            this.address = address;
            this.zeros = zeros;
            this.segments = segments;
            this.runs = runs;
        }

        /** Device address of the fused data (the fusion buffer). */
        public long address() {
            return address;
        }

        /** Elements in the buffer, every piece of every tensor. */
        public long elements() {
            return elements;
        }

        /** Enqueues: buffer = scale × tensors (zeros for null tensors). */
        public void pack(float scale) {
            if (zeros) {
                driver.memset(address, (byte) 0, elements * type.bytes(), stream);
            }
            if (type == DType.FLOAT32) {
                for (Run r : runs) {
                    driver.launch("hvd_pack_f32", blocksFor(r.longest()), r.rows(), CudaBackend.BLOCK, stream,
                            new KernelArgs().ptr(table.address() + r.srcsAt()).ptr(table.address() + r.offsetsAt())
                                    .i32(r.rows()).ptr(address).f32(scale));
                }
            } else {
                unscaled(scale);
                for (Segment s : segments) {
                    driver.copyDeviceToDevice(address + s.pos() * type.bytes(), s.address(), s.count() * type.bytes(), stream);
                }
            }
        }

        /** Enqueues: tensors = scale × buffer (null tensors are skipped). */
        public void unpack(float scale) {
            if (type == DType.FLOAT32) {
                for (Run r : runs) {
                    driver.launch("hvd_unpack_f32", blocksFor(r.longest()), r.rows(), CudaBackend.BLOCK, stream,
                            new KernelArgs().ptr(address).ptr(table.address() + r.srcsAt())
                                    .ptr(table.address() + r.offsetsAt()).i32(r.rows()).f32(scale));
                }
            } else {
                unscaled(scale);
                for (Segment s : segments) {
                    driver.copyDeviceToDevice(s.address(), address + s.pos() * type.bytes(), s.count() * type.bytes(), stream);
                }
            }
        }

        private void unscaled(float scale) {
            if (scale != 1f) {
                throw new IllegalArgumentException("device fusion scales float32 only; " + type + " needs scale 1, got "
                        + scale);
            }
        }
    }

    private static int blocksFor(long longest) {
        return (int) Math.max(1, Math.min((longest + CudaBackend.BLOCK - 1) / CudaBackend.BLOCK, MAX_BLOCKS_X));
    }

    /**
     * Waits for the communication stream, gives the buffers back to the allocator and destroys the
     * stream; idempotent. After the backend itself was closed (its driver released everything)
     * this does nothing more.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            driver.streamSynchronize(stream);
            if (buffer != null) {
                backend.recycle(buffer);
            }
            if (table != null) {
                backend.recycle(table);
            }
            if (hostTable != null) {
                driver.hostFree(hostTable);
            }
            driver.eventDestroy(computeMark);
            driver.eventDestroy(tableMark);
            driver.streamDestroy(stream);
        } catch (RuntimeException e) {
            // the backend was closed first: its driver has released streams, events and memory
        } finally {
            buffer = null;
            table = null;
            hostTable = null;
        }
    }
}
