package org.hvd4j.examples;

import org.hvd4j.tensor.Backend;
import org.hvd4j.tensor.cuda.Devices;
import picocli.CommandLine.Option;

/** {@code --device} and {@code --precision}, shared by the programs that compute on a backend. */
public final class DeviceOptions {
    @Option(names = "--device", description = "cpu, cuda (the GPU of this process's local rank), cuda:N, or "
            + "emulated-cuda (the CUDA backend on host memory, for testing) (default: ${DEFAULT-VALUE})",
            defaultValue = "cpu")
    String device = "cpu";

    @Option(names = "--precision", description = "GEMMs on CUDA: tf32 (default there), fp32 (exact), bf16, or "
            + "fp16 (with dynamic loss scaling in train); the CPU computes fp32")
    String precision;

    /** The backend of this process ({@link Devices#open(String, String, int, int)}). */
    public Backend open(int localRank, int localSize) {
        return Devices.open(device, precision, localRank, localSize);
    }
}
