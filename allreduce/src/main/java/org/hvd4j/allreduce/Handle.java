package org.hvd4j.allreduce;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.hvd4j.allreduce.runtime.Outcome;

/**
 * The pending result of an asynchronous collective ({@code allreduceAsync}, ...): Horovod's
 * handle plus {@code synchronize(handle)}. Handles may be awaited in any order and from any
 * thread; the result is built on the awaiting thread (so a result tensor joins that thread's
 * {@link org.hvd4j.tensor.TensorScope}).
 *
 * @param <T> the result type (the input tensor for in-place collectives, a new tensor otherwise)
 */
public final class Handle<T> {
    private final CompletableFuture<Outcome> future;
    private final Function<Outcome, T> result;
    private T value;
    private boolean resolved;

    Handle(CompletableFuture<Outcome> future, Function<Outcome, T> result) {
        this.future = future;
        this.result = result;
    }

    /** Whether the collective has finished (successfully or not); never blocks. */
    public boolean isDone() {
        return future.isDone();
    }

    /** Waits for the collective and returns its result; a failure is rethrown as {@link HvdException}. */
    public synchronized T await() {
        if (!resolved) {
            try {
                value = result.apply(future.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HvdException("interrupted while waiting for a collective", e);
            } catch (ExecutionException e) {
                throw rethrow(e.getCause());
            }
            resolved = true;
        }
        return value;
    }

    /** {@link #await()} with a limit; a timeout leaves the collective running. */
    public synchronized T await(Duration timeout) throws TimeoutException {
        if (!resolved) {
            try {
                future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HvdException("interrupted while waiting for a collective", e);
            } catch (ExecutionException e) {
                throw rethrow(e.getCause());
            }
        }
        return await();
    }

    private static HvdException rethrow(Throwable cause) {
        if (cause instanceof HvdException h) {
            // a fresh exception, so the stack trace shows the awaiting caller, with the engine's as cause
            return new HvdException(h.getMessage(), h);
        }
        return new HvdException(String.valueOf(cause), cause);
    }
}
