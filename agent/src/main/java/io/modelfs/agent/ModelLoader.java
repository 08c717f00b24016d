package io.modelfs.agent;

import io.modelfs.agent.metrics.FetchMetrics;
import io.modelfs.agent.metrics.MeteredLoads;
import io.modelfs.agent.metrics.Source;
import io.modelfs.core.ChunkRef;
import io.modelfs.core.FileEntry;
import io.modelfs.core.Sources;
import io.modelfs.origin.Origin;
import io.modelfs.origin.OriginConfig;
import io.modelfs.origin.OriginException;
import io.modelfs.origin.Origins;
import io.modelfs.store.ChunkStore;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model's origin binding: loads a chunk from the model's origins, in the order its sources
 * list them, through the store's single-flight, verify-on-write {@link ChunkStore#ensure}.
 * Retries transient origin failures with backoff a bounded number of times and moves to the
 * next binding on a failure that will not pass; the scheduler's driver calls it for
 * {@code fetchFromOrigin}. Thread-safe; never blocks the caller.
 */
final class ModelLoader {
  private static final Logger log = LoggerFactory.getLogger(ModelLoader.class);

  private final ChunkStore store;
  private final Sources sources;
  private final int chunkSize;
  private final int attempts;
  private final ConcurrentMap<String, Origin> origins;
  private final OriginConfig originConfig;
  private volatile FetchMetrics metrics = FetchMetrics.NONE;

  ModelLoader(ChunkStore store, Sources sources, int chunkSize, int attempts, ConcurrentMap<String, Origin> origins) {
    this(store, sources, chunkSize, attempts, origins, OriginConfig.defaults());
  }

  /** As above, opening origins with the settings {@code originConfig} gives their prefixes. */
  ModelLoader(ChunkStore store, Sources sources, int chunkSize, int attempts, ConcurrentMap<String, Origin> origins,
      OriginConfig originConfig) {
    this.originConfig = originConfig;
    this.store = store;
    this.sources = sources;
    this.chunkSize = chunkSize;
    this.attempts = attempts;
    this.origins = origins;
  }

  /**
   * Loads chunk {@code chunk} of {@code file} from the origin: up to {@code attempts} tries per
   * binding, with backoff, stopping early once {@code cancelled} says so. Completes when the chunk
   * is stored and verified, or exceptionally with an IOException naming file, chunk and cause.
   */
  CompletableFuture<Void> fromOrigin(FileEntry file, int chunk, ChunkStore.Priority priority, BooleanSupplier cancelled) {
    List<Sources.Binding> bindings = bindingsFor(file);
    if (bindings.isEmpty()) {
      return CompletableFuture.failedFuture(
          new IOException("no source holds '" + file.path() + "': the model's sources list none; re-import it"));
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    attempt(file, chunk, priority, cancelled, bindings, 0, done);
    return done;
  }

  private void attempt(FileEntry file, int chunk, ChunkStore.Priority priority, BooleanSupplier cancelled,
      List<Sources.Binding> bindings, int i, CompletableFuture<Void> done) {
    Sources.Binding binding = bindings.get(i % bindings.size());
    originAttempt(file, chunk, priority, binding, cancelled).whenComplete((ok, e) -> {
      if (e == null) {
        done.complete(null);
        return;
      }
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      if (cause instanceof Cancellable.CancelledException cancelledByScheduler) {
        done.completeExceptionally(cancelledByScheduler);
        return;
      }
      boolean retryable = !(cause instanceof OriginException oe) || oe.retryable();
      boolean more = i + 1 < attempts * bindings.size() && (retryable || bindings.size() > 1) && !cancelled.getAsBoolean();
      // The chunk's digest in the MDC (issue 10): grep a chunk's story across nodes' logs.
      try (var mdc = org.slf4j.MDC.putCloseable("chunk", file.chunks().get(chunk).hex())) {
        log.warn("chunk {} of '{}' (bytes at {}) from {}: {}{}", chunk, file.path(), (long) chunk * chunkSize,
            binding.uri(), cause.getMessage(), more ? "; retrying" : "");
      }
      if (!more) {
        done.completeExceptionally(new IOException("chunk " + chunk + " of '" + file.path() + "' (offset "
            + (long) chunk * chunkSize + ") could not be fetched from the origin: " + cause.getMessage(), cause));
        return;
      }
      long backoff = Math.min(2000, 100L << Math.min(i, 5));
      CompletableFuture.delayedExecutor(backoff, TimeUnit.MILLISECONDS)
          .execute(() -> attempt(file, chunk, priority, cancelled, bindings, i + 1, done));
    });
  }

  /** Sets where fetches are recorded (the agent's metrics); until called, nowhere. */
  void useMetrics(FetchMetrics metrics) {
    this.metrics = metrics;
  }

  FetchMetrics metrics() {
    return metrics;
  }

  private CompletableFuture<Void> originAttempt(FileEntry file, int chunk, ChunkStore.Priority priority,
      Sources.Binding binding, BooleanSupplier cancelled) {
    ChunkRef ref = file.chunk(chunk, chunkSize);
    String version = binding.versions().get(file.path());
    long offset = (long) chunk * chunkSize;
    return MeteredLoads.ensure(store, ref, priority, "origin " + binding.uri(), Source.ORIGIN,
        (c, sink) -> origin(binding.uri()).read(file.path(), version, offset, c.size(), Cancellable.sink(sink, cancelled)),
        metrics, Clock.systemUTC());
  }

  private List<Sources.Binding> bindingsFor(FileEntry file) {
    return sources.bindings().stream().filter(b -> b.versions().containsKey(file.path())).toList();
  }

  private Origin origin(String uri) throws IOException {
    Origin o = origins.get(uri);
    if (o == null) {
      o = Origins.open(uri, originConfig);
      Origin raced = origins.putIfAbsent(uri, o);
      if (raced != null) {
        o.close();
        o = raced;
      }
    }
    return o;
  }

  static ConcurrentMap<String, Origin> newOriginCache() {
    return new ConcurrentHashMap<>();
  }
}
