package org.hvd4j.tensor.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.TreeMap;
import org.hvd4j.cuda.CudaException;
import org.hvd4j.tensor.DType;
import org.hvd4j.tensor.Shape;
import org.hvd4j.tensor.Storage;
import org.hvd4j.tensor.Tensor;
import org.hvd4j.tensor.cpu.CpuBackend;

/**
 * The emulated device's memory: each allocation is a direct host buffer placed at a made-up
 * device address (256-byte aligned, with an unmapped gap after it), so that pointer arithmetic
 * works as on a GPU and an access outside any allocation fails like
 * {@code CUDA_ERROR_ILLEGAL_ADDRESS}, naming the kernel.
 */
final class EmulatedMemory {
    /** Where the made-up addresses start: far from 0 so that a null pointer never resolves. */
    private static final long BASE = 0x7000_0000_0000L;
    private static final long ALIGN = 256;

    private record Block(long address, ByteBuffer bytes, Storage storage) {
        long end() {
            return address + bytes.capacity();
        }
    }

    private final TreeMap<Long, Block> blocks = new TreeMap<>();
    private long next = BASE;
    private long used;

    synchronized long allocate(long bytes) {
        if (bytes <= 0 || bytes > Integer.MAX_VALUE) {
            throw new CudaException("cuMemAlloc", 1, "emulated device: cannot allocate " + bytes
                    + " bytes (1 byte .. 2 GiB per allocation)");
        }
        ByteBuffer buf = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
        long address = next;
        next += (bytes + 2 * ALIGN - 1) / ALIGN * ALIGN; // one aligned gap after each block
        blocks.put(address, new Block(address, buf, CpuBackend.get().wrap(buf)));
        used += bytes;
        return address;
    }

    synchronized void free(long address) {
        Block b = blocks.remove(address);
        if (b == null) {
            throw new CudaException("cuMemFree", 1, String.format(
                    "emulated device: 0x%x is not the start of an allocation (double free?)", address));
        }
        used -= b.bytes.capacity();
    }

    synchronized long used() {
        return used;
    }

    synchronized int allocations() {
        return blocks.size();
    }

    /** The allocation holding {@code [address, address + bytes)}, or an illegal-address error. */
    private synchronized Block block(long address, long bytes, String who) {
        Map.Entry<Long, Block> e = blocks.floorEntry(address);
        if (e == null || bytes < 0 || address + bytes > e.getValue().end()) {
            throw new CudaException(who, 700, String.format(
                    "CUDA_ERROR_ILLEGAL_ADDRESS (emulated): %s touches [0x%x, 0x%x), outside every allocation%s",
                    who, address, address + bytes, e == null ? "" : String.format(
                            " (nearest below: [0x%x, 0x%x))", e.getKey(), e.getValue().end())));
        }
        return e.getValue();
    }

    /** Bytes from {@code address} to the end of its allocation (a kernel's table of unknown extent). */
    long bytesToEnd(long address, String who) {
        Block b = block(address, 0, who);
        return b.end() - address;
    }

    /** Host bytes {@code [address, address + bytes)}. */
    ByteBuffer bytes(long address, long bytes, String who) {
        Block b = block(address, bytes, who);
        return b.bytes.slice((int) (address - b.address), (int) bytes).order(ByteOrder.nativeOrder());
    }

    /**
     * A CPU tensor of {@code count} elements of {@code dtype} at {@code address}, for running a CPU
     * kernel on device memory; the address must be aligned to the element size.
     */
    Tensor tensor(long address, DType dtype, long count, String who) {
        if (address == 0) {
            throw new CudaException(who, 700, "CUDA_ERROR_ILLEGAL_ADDRESS (emulated): " + who
                    + " dereferences a null pointer");
        }
        Block b = block(address, count * dtype.bytes(), who);
        long byteOffset = address - b.address;
        if (byteOffset % dtype.bytes() != 0) {
            throw new CudaException(who, 716, "CUDA_ERROR_MISALIGNED_ADDRESS (emulated): " + who
                    + String.format(" reads %s at 0x%x", dtype, address));
        }
        return Tensor.view(b.storage, dtype, Shape.of((int) count), (int) (byteOffset / dtype.bytes()));
    }
}
