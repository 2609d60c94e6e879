package org.hvd4j.tensor.cuda;

import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.Storage;

/** A block of device memory from {@link DeviceAllocator}: its device address and rounded size. */
final class CudaStorage extends Storage {
    private final CudaBackend backend;
    final DeviceAllocator.Block block;

    CudaStorage(CudaBackend backend, DeviceAllocator.Block block) {
        super(block.bytes());
        this.backend = backend;
        this.block = block;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    long address() {
        return block.address();
    }

    void reuse() {
        revive();
    }
}
