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

    CpuStorage(CpuBackend backend, ByteBuffer bytes) {
        super(bytes.capacity());
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
