package io.modelfs.agent.metrics;

import io.modelfs.core.ChunkRef;
import io.modelfs.store.ChunkLoader;
import io.modelfs.store.ChunkStore;
import io.modelfs.store.ChunkVerificationException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link ChunkStore#ensure} with the load measured: if this call's loader is the one the store
 * runs (not a caller joining a load in flight, not a chunk already stored), the outcome is
 * recorded in {@link FetchMetrics} with the time from the loader's start to the chunk stored or
 * given up. The origin path and the peer path both load through here, each with its
 * {@link Source}.
 */
public final class MeteredLoads {
  private MeteredLoads() {}

  /** As {@link ChunkStore#ensure}, recording into {@code metrics} as the class says. */
  public static CompletableFuture<Void> ensure(ChunkStore store, ChunkRef chunk, ChunkStore.Priority priority,
      String sourceName, Source source, ChunkLoader loader, FetchMetrics metrics, Clock clock) {
    if (metrics == FetchMetrics.NONE) {
      return store.ensure(chunk, priority, sourceName, loader);
    }
    AtomicLong startedMillis = new AtomicLong(-1);
    ChunkLoader timed = (c, sink) -> {
      startedMillis.compareAndSet(-1, clock.millis());
      loader.load(c, sink);
    };
    return store.ensure(chunk, priority, sourceName, timed).whenComplete((ok, error) -> {
      long started = startedMillis.get();
      if (started < 0) {
        return; // someone else's load, or the chunk was already stored
      }
      Duration took = Duration.ofMillis(Math.max(0, clock.millis() - started));
      if (error == null) {
        metrics.fetched(source, chunk.size(), took);
      } else {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        metrics.fetchFailed(source, cause instanceof ChunkVerificationException, took);
      }
    });
  }
}
