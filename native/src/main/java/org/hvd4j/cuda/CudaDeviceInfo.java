package org.hvd4j.cuda;

/**
 * What the backend needs to know of a device: its ordinal, name, compute capability and memory.
 *
 * @param ordinal device ordinal as the driver numbers it (after {@code CUDA_VISIBLE_DEVICES})
 * @param name    marketing name, for example {@code NVIDIA H100 80GB HBM3}
 * @param major   compute capability, major
 * @param minor   compute capability, minor
 * @param totalMemory bytes of device memory
 */
public record CudaDeviceInfo(int ordinal, String name, int major, int minor, long totalMemory) {

    @Override
    public String toString() {
        return String.format("cuda:%d %s (sm_%d%d, %.1f GiB)", ordinal, name, major, minor,
                totalMemory / (1024.0 * 1024 * 1024));
    }
}
