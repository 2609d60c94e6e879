package org.hvd4j.allreduce.runtime;

import java.util.concurrent.CompletableFuture;

/** A submitted collective waiting in the engine's table for its response. */
record Entry(Request request, Payload payload, CompletableFuture<Outcome> future) {
}
