package org.hvd4j.tensor.cpu;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Storage;

/** Off-heap host memory with float and int views of the same bytes. */
final class CpuStorage extends Storage {
    private final CpuBackend backend;
    final ByteBuffer bytes;
    final FloatBuffer floats;
    final IntBuffer ints;

    /** False for memory the backend does not own ({@link CpuBackend#wrap}): it never joins the pool. */
    final boolean pooled;

    CpuStorage(CpuBackend backend, ByteBuffer bytes) {
        this(backend, bytes, true);
    }

    CpuStorage(CpuBackend backend, ByteBuffer bytes, boolean pooled) {
        super(bytes.capacity());
        this.pooled = pooled;
        this.backend = backend;
        this.bytes = bytes;
        this.floats = bytes.asFloatBuffer();
        this.ints = bytes.asIntBuffer();
    }

    @Override
    public Backend backend() {
        return backend;
    }

    void reuse() {
        revive();
    }
}
