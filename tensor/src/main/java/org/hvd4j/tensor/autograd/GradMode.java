package org.hvd4j.tensor.autograd;

/**
 * Whether operations record the autograd graph on this thread. {@code try (var g =
 * GradMode.noGrad()) { ... }} evaluates without recording, as PyTorch's {@code torch.no_grad()}.
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private GradMode() {
    }

    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** Disables recording until the returned guard is closed (restores the previous mode). */
    public static Guard noGrad() {
        boolean[] flag = ENABLED.get();
        Guard g = new Guard(flag, flag[0]);
        flag[0] = false;
        return g;
    }

    /** Restores the grad mode that was in force when it was created. */
    public static final class Guard implements AutoCloseable {
        private final boolean[] flag;
        private final boolean previous;

        private Guard(boolean[] flag, boolean previous) {
            this.flag = flag;
            this.previous = previous;
        }

        @Override
        public void close() {
            flag[0] = previous;
        }
    }
}
