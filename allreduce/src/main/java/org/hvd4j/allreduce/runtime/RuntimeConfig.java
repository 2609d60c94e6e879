package org.hvd4j.allreduce.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Tuning and diagnostics of the runtime, with Horovod's defaults where Horovod has one. Read from
 * the environment by {@link #fromEnvironment} (the launcher's {@code --fusion-threshold-mb},
 * {@code --cycle-time-ms}, {@code --timeline}, ... set these variables).
 *
 * @param fusionThresholdBytes  {@code HVD4J_FUSION_THRESHOLD}: bytes per fusion buffer; 0 disables fusion (64 MiB)
 * @param cycleTimeMs           {@code HVD4J_CYCLE_TIME}: at most one response list per cycle, in ms (1)
 * @param stallWarnSeconds      {@code HVD4J_STALL_CHECK_TIME_SECONDS}; 0 or {@code HVD4J_STALL_CHECK_DISABLE=1} disables (60)
 * @param stallShutdownSeconds  {@code HVD4J_STALL_SHUTDOWN_TIME_SECONDS}: abort the job after a stall this long; 0 never (0)
 * @param timeline              {@code HVD4J_TIMELINE}: Chrome-trace file written by rank 0, or null
 * @param transport             {@code HVD4J_TRANSPORT}: auto, shm, tcp or hierarchical (auto)
 * @param startTimeout          {@code HVD4J_START_TIMEOUT}: seconds to wait for the rendezvous and the peers (30)
 * @param tcpBlockBytes         {@code HVD4J_TCP_BLOCK_BYTES}: pipelining block of the TCP ring
 * @param shmSlotBytes          {@code HVD4J_SHM_SLOT_BYTES}: bytes per shared-memory round slot
 * @param deviceCollectives     {@code HVD4J_DEVICE_COLLECTIVES}: how allreduce and broadcast of CUDA tensors run —
 *                              {@code auto} (NCCL on a real GPU when every rank can use it, else staged),
 *                              {@code nccl}, {@code staged} (the device path over the host transport),
 *                              {@code hierarchical} (NCCL or staged within each host, staged over TCP across
 *                              hosts; needs the hierarchical host transport) or
 *                              {@code host} (each tensor copied to the host and reduced there) (auto)
 * @param inlineExchange        {@code HVD4J_INLINE_EXCHANGE}: whether {@code DistributedOptimizer.synchronize()}
 *                              exchanges the gradients on the training thread itself, over a channel of its own,
 *                              instead of handing them to the engine thread — {@code on}, {@code off}, or
 *                              {@code auto}: on when a host runs at least as many ranks as it has cores, so
 *                              that no core is left for the engine (auto; every rank must agree, see
 *                              {@link InlineExchange})
 */
public record RuntimeConfig(long fusionThresholdBytes, double cycleTimeMs, double stallWarnSeconds,
                            double stallShutdownSeconds, Path timeline, String transport, Duration startTimeout,
                            int tcpBlockBytes, int shmSlotBytes, String deviceCollectives,
                            String inlineExchange) {

    public static final long DEFAULT_FUSION_THRESHOLD = 64L << 20;
    public static final int DEFAULT_TCP_BLOCK = 256 << 10;
    public static final int DEFAULT_SHM_SLOT = 512 << 10;

    public RuntimeConfig {
        check(fusionThresholdBytes >= 0 && fusionThresholdBytes <= Integer.MAX_VALUE - 4096,
                "HVD4J_FUSION_THRESHOLD must be between 0 and 2 GiB, got " + fusionThresholdBytes);
        check(cycleTimeMs >= 0, "HVD4J_CYCLE_TIME must be >= 0 ms, got " + cycleTimeMs);
        check(stallWarnSeconds >= 0 && stallShutdownSeconds >= 0, "stall times must be >= 0");
        check(!startTimeout.isNegative() && !startTimeout.isZero(), "HVD4J_START_TIMEOUT must be > 0");
        check(Map.of("auto", 1, "shm", 1, "tcp", 1, "hierarchical", 1).containsKey(transport),
                "HVD4J_TRANSPORT must be auto, shm, tcp or hierarchical, got '" + transport + "'");
        check(tcpBlockBytes >= 64 && tcpBlockBytes % 64 == 0, "HVD4J_TCP_BLOCK_BYTES must be a multiple of 64, got "
                + tcpBlockBytes);
        check(shmSlotBytes >= 4096 && shmSlotBytes % 4096 == 0, "HVD4J_SHM_SLOT_BYTES must be a multiple of 4096, got "
                + shmSlotBytes);
        check(Map.of("auto", 1, "nccl", 1, "staged", 1, "host", 1, "hierarchical", 1).containsKey(deviceCollectives),
                "HVD4J_DEVICE_COLLECTIVES must be auto, nccl, staged, hierarchical or host, got '" + deviceCollectives + "'");
        check(Map.of("auto", 1, "on", 1, "off", 1).containsKey(inlineExchange),
                "HVD4J_INLINE_EXCHANGE must be auto, on or off, got '" + inlineExchange + "'");
    }

    /** The defaults. */
    public static RuntimeConfig defaults() {
        return fromEnvironment(Map.of());
    }

    /** Reads the variables listed above; absent ones take their defaults. */
    public static RuntimeConfig fromEnvironment(Map<String, String> env) {
        boolean stallOff = "1".equals(env.get("HVD4J_STALL_CHECK_DISABLE"));
        String timeline = env.get("HVD4J_TIMELINE");
        return new RuntimeConfig(
                (long) number(env, "HVD4J_FUSION_THRESHOLD", DEFAULT_FUSION_THRESHOLD),
                number(env, "HVD4J_CYCLE_TIME", 1),
                stallOff ? 0 : number(env, "HVD4J_STALL_CHECK_TIME_SECONDS", 60),
                number(env, "HVD4J_STALL_SHUTDOWN_TIME_SECONDS", 0),
                timeline == null || timeline.isBlank() ? null : Path.of(timeline),
                env.getOrDefault("HVD4J_TRANSPORT", "auto").trim().toLowerCase(Locale.ROOT),
                Duration.ofMillis((long) (1000 * number(env, "HVD4J_START_TIMEOUT", 30))),
                (int) number(env, "HVD4J_TCP_BLOCK_BYTES", DEFAULT_TCP_BLOCK),
                (int) number(env, "HVD4J_SHM_SLOT_BYTES", DEFAULT_SHM_SLOT),
                env.getOrDefault("HVD4J_DEVICE_COLLECTIVES", "auto").trim().toLowerCase(Locale.ROOT),
                env.getOrDefault("HVD4J_INLINE_EXCHANGE", "auto").trim().toLowerCase(Locale.ROOT));
    }

    /** A copy with another transport (tests and benchmarks). */
    public RuntimeConfig withTransport(String t) {
        return new RuntimeConfig(fusionThresholdBytes, cycleTimeMs, stallWarnSeconds, stallShutdownSeconds, timeline, t,
                startTimeout, tcpBlockBytes, shmSlotBytes, deviceCollectives, inlineExchange);
    }

    /** A copy with another {@code HVD4J_DEVICE_COLLECTIVES} (tests). */
    public RuntimeConfig withDeviceCollectives(String mode) {
        return new RuntimeConfig(fusionThresholdBytes, cycleTimeMs, stallWarnSeconds, stallShutdownSeconds, timeline,
                transport, startTimeout, tcpBlockBytes, shmSlotBytes, mode, inlineExchange);
    }

    /** A copy with another {@code HVD4J_INLINE_EXCHANGE}: auto, on or off. */
    public RuntimeConfig withInlineExchange(String mode) {
        return new RuntimeConfig(fusionThresholdBytes, cycleTimeMs, stallWarnSeconds, stallShutdownSeconds, timeline,
                transport, startTimeout, tcpBlockBytes, shmSlotBytes, deviceCollectives, mode);
    }

    /** A copy with another fusion threshold. */
    public RuntimeConfig withFusionThreshold(long bytes) {
        return new RuntimeConfig(bytes, cycleTimeMs, stallWarnSeconds, stallShutdownSeconds, timeline, transport,
                startTimeout, tcpBlockBytes, shmSlotBytes, deviceCollectives, inlineExchange);
    }

    /** A copy with other stall times. */
    public RuntimeConfig withStall(double warnSeconds, double shutdownSeconds) {
        return new RuntimeConfig(fusionThresholdBytes, cycleTimeMs, warnSeconds, shutdownSeconds, timeline, transport,
                startTimeout, tcpBlockBytes, shmSlotBytes, deviceCollectives, inlineExchange);
    }

    /** A copy writing a timeline to {@code file}. */
    public RuntimeConfig withTimeline(Path file) {
        return new RuntimeConfig(fusionThresholdBytes, cycleTimeMs, stallWarnSeconds, stallShutdownSeconds, file, transport,
                startTimeout, tcpBlockBytes, shmSlotBytes, deviceCollectives, inlineExchange);
    }

    private static double number(Map<String, String> env, String name, double dflt) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + v + "'");
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
