package org.hvd4j.tensor;

import java.util.ArrayList;
import java.util.function.Supplier;

/**
 * A region of code whose tensor memory is returned to the pool when it closes, like DJL's
 * {@code NDManager} or a CUDA caching allocator's free at the end of a step:
 *
 * <pre>{@code
 * try (TensorScope step = TensorScope.open()) {
 *     Tensor loss = model.forward(x) ... ;
 *     loss.backward();
 *     optimizer.step();
 *     lastLoss = loss.item();          // read values before the scope closes
 * }
 * }</pre>
 *
 * Scopes nest per thread. Parameters, gradients and optimizer state are allocated with {@link
 * #persistent} so that they outlive every scope. Reading a tensor after its scope closed is a bug
 * that {@link Tensor} reports by name.
 */
public final class TensorScope implements AutoCloseable {
    private static final ThreadLocal<TensorScope> CURRENT = new ThreadLocal<>();

    private final TensorScope parent;
    private final ArrayList<Storage> owned = new ArrayList<>();
    private final boolean detached;
    private boolean closed;

    private TensorScope(TensorScope parent, boolean detached) {
        this.parent = parent;
        this.detached = detached;
    }

    /** Opens a scope on this thread; close it in a try-with-resources block. */
    public static TensorScope open() {
        TensorScope s = new TensorScope(CURRENT.get(), false);
        CURRENT.set(s);
        return s;
    }

    /** Runs {@code body} outside every scope: what it allocates lives until garbage-collected. */
    public static <T> T persistent(Supplier<T> body) {
        TensorScope s = new TensorScope(CURRENT.get(), true);
        CURRENT.set(s);
        try {
            return body.get();
        } finally {
            CURRENT.set(s.parent);
        }
    }

    /** Records a freshly allocated storage in the innermost scope, if any. */
    static void register(Storage storage) {
        TensorScope s = CURRENT.get();
        if (s != null && !s.detached) {
            s.owned.add(storage);
        }
    }

    /** Moves {@code t}'s memory out of this scope into the enclosing one (or out of all scopes). */
    public Tensor keep(Tensor t) {
        if (owned.remove(t.storage()) && parent != null && !parent.detached) {
            parent.owned.add(t.storage());
        }
        return t;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Storage st : owned) {
            st.release();
        }
        owned.clear();
        if (CURRENT.get() == this) {
            CURRENT.set(parent);
        }
    }
}
