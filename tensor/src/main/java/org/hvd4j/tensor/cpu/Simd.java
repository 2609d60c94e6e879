package org.hvd4j.tensor.cpu;

/**
 * Whether the CPU kernels use {@link SimdKernels} (the Vector API) or their staged twins.
 *
 * <p>On when the JVM runs with {@code --add-modules jdk.incubator.vector} (as {@code hvdrun}, its
 * ranks and the tests start it) unless the system property {@code hvd4j.simd} is {@code false};
 * otherwise, for a program started without the module, every kernel keeps its staged path, with
 * the same results. Read once: the choice is a constant the JIT folds away.
 */
public final class Simd {
    /** Name of the system property that turns the Vector API kernels off ({@code -Dhvd4j.simd=false}). */
    public static final String PROPERTY = "hvd4j.simd";

    /** The module the Vector API kernels need, for {@code --add-modules} (hvdrun's launcher adds it). */
    public static final String MODULE = "jdk.incubator.vector";

    static final boolean ENABLED = ModuleLayer.boot().findModule(MODULE).isPresent()
            && !"false".equalsIgnoreCase(System.getProperty(PROPERTY));

    /**
     * Elements below which a vectorised pass stays on the calling thread (it is split in two from
     * twice this). With {@link Parallel}'s spinning workers a hand-off costs about a microsecond,
     * so even these memory-bound passes gain from a second core: the {@code mlp}'s SGD update with
     * momentum and weight decay took 134–172 µs per step against 398–468 µs on one thread (the
     * same runs of {@code train}, 2026-12-07). Until then the pool's workers parked between jobs
     * and the grain was 2^20: a hand-off cost more than the second core brought.
     */
    static final int GRAIN = 1 << 15;

    private Simd() {
    }

    /** True when this JVM's CPU kernels use the Vector API. */
    public static boolean enabled() {
        return ENABLED;
    }
}
