package org.hvd4j.tensor.cuda;

import java.lang.ref.Cleaner;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.HashMap;
import java.util.Set;
import java.util.Map;
import org.hvd4j.cuda.CudaDriver;
import org.hvd4j.cuda.CudaException;

/**
 * A caching device allocator, like PyTorch's: blocks are rounded up (to 512 bytes below 1 MiB,
 * to whole MiB above) and kept in per-size free lists when a {@link org.hvd4j.tensor.TensorScope}
 * closes, so a warmed-up training step calls {@code cuMemAlloc} never. A block whose storage was
 * allocated outside every scope goes back to the free list when the garbage collector finds the
 * storage unreachable. Reuse is safe without events because all kernels and copies of a backend
 * run on its one compute stream, in order: work enqueued for a block's next owner runs after
 * everything its previous owner enqueued. When {@code cuMemAlloc} runs out of memory, the free
 * lists are released and the allocation retried once.
 */
final class DeviceAllocator {
    private static final Cleaner CLEANER = Cleaner.create();

    /** A device allocation: address and rounded size. */
    record Block(long address, long bytes) {
    }

    private final CudaDriver driver;
    private final CudaBackend backend;
    private final Map<Long, ArrayDeque<CudaStorage>> free = new HashMap<>();
    private final Set<Block> all = new HashSet<>();
    private long fresh;
    private long reserved;
    private boolean closed;

    DeviceAllocator(CudaDriver driver, CudaBackend backend) {
        this.driver = driver;
        this.backend = backend;
    }

    static long round(long bytes) {
        long b = Math.max(bytes, 1);
        return b < (1 << 20) ? (b + 511) / 512 * 512 : (b + (1 << 20) - 1) >>> 20 << 20;
    }

    synchronized CudaStorage allocate(long bytes) {
        if (closed) {
            throw new IllegalStateException("the CUDA backend on " + backend.device() + " is closed");
        }
        long size = round(bytes);
        ArrayDeque<CudaStorage> list = free.get(size);
        CudaStorage s = list == null ? null : list.pollFirst();
        if (s != null) {
            s.reuse();
            return s;
        }
        long address;
        try {
            address = driver.malloc(size);
        } catch (CudaException e) {
            releaseCached();
            address = driver.malloc(size); // a second failure propagates with the driver's message
        }
        fresh++;
        reserved += size;
        Block block = new Block(address, size);
        all.add(block);
        return track(new CudaStorage(backend, block));
    }

    /** Registers the storage so that its block returns to the free list once it is unreachable. */
    private CudaStorage track(CudaStorage s) {
        Block block = s.block;
        CLEANER.register(s, () -> reclaim(block));
        return s;
    }

    private synchronized void reclaim(Block block) {
        if (!closed && all.contains(block)) {
            free.computeIfAbsent(block.bytes(), k -> new ArrayDeque<>()).addFirst(track(new CudaStorage(backend, block)));
        }
    }

    synchronized void recycle(CudaStorage s) {
        free.computeIfAbsent(s.block.bytes(), k -> new ArrayDeque<>()).addFirst(s);
    }

    /** Frees every cached block (as {@code torch.cuda.empty_cache()}). */
    synchronized void releaseCached() {
        for (ArrayDeque<CudaStorage> list : free.values()) {
            for (CudaStorage s : list) {
                all.remove(s.block);
                reserved -= s.block.bytes();
                driver.free(s.block.address());
            }
        }
        free.clear();
    }

    synchronized long freshAllocations() {
        return fresh;
    }

    /** Bytes held from the driver, in use or cached. */
    synchronized long reservedBytes() {
        return reserved;
    }

    synchronized void close() {
        if (!closed) {
            closed = true;
            for (Block b : all) {
                driver.free(b.address());
            }
            all.clear();
            free.clear();
        }
    }
}
