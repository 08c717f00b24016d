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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes chunks of a model local: the store if it has them, else the model's origins in the
 * order its sources list them, through the store's single-flight, verify-on-write
 * {@link ChunkStore#ensure}. Retries transient origin failures with backoff, a bounded number
 * of times, and moves to the next binding on a failure that will not pass.
 */
final class ModelLoader {
  private static final Logger log = LoggerFactory.getLogger(ModelLoader.class);

  private final ChunkStore store;
  private final Sources sources;
  private final int chunkSize;
  private final int attempts;
  private final ConcurrentMap<String, Origin> origins;
  private final OriginConfig originConfig;
  private volatile ModelPeers peers = ModelPeers.NONE;
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

  /** Starts one load attempt at {@code priority} from the first binding that holds the file. */
  CompletableFuture<Void> start(FileEntry file, int chunk, ChunkStore.Priority priority) {
    return attempt(file, chunk, priority, 0);
  }

  /**
   * Blocks until the chunk is local, retrying as the class says, for at most {@code timeout};
   * throws an IOException naming the file, the chunk and the cause. Returns true if the chunk
   * was local already, false if it had to be fetched.
   */
  boolean await(FileEntry file, int chunk, ChunkStore.Priority priority, Duration timeout) throws IOException {
    ChunkRef ref = file.chunk(chunk, chunkSize);
    if (store.contains(ref.digest())) {
      return true;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Sources.Binding> bindings = bindingsFor(file);
    if (bindings.isEmpty()) {
      throw new IOException("no source holds '" + file.path() + "': the model's sources list none; re-import it");
    }
    Throwable last = null;
    for (int i = 0; i < attempts * bindings.size(); i++) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      try {
        attempt(file, chunk, priority, i).get(left, TimeUnit.NANOSECONDS);
        return false;
      } catch (ExecutionException e) {
        last = e.getCause();
        boolean retryable = !(last instanceof OriginException oe) || oe.retryable();
        log.warn("chunk {} of '{}' (bytes at {}) from {}: {}{}", chunk, file.path(), (long) chunk * chunkSize,
            bindings.get(i % bindings.size()).uri(), last.getMessage(), retryable ? "; retrying" : "");
        if (!retryable && bindings.size() == 1) {
          break;
        }
        sleep(Math.min(2000, 100L << Math.min(i, 5)));
      } catch (TimeoutException e) {
        last = e;
        break;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for chunk " + chunk + " of '" + file.path() + "'", e);
      }
    }
    String cause = last == null || last instanceof TimeoutException
        ? "timed out after " + timeout.toSeconds() + " s"
        : last.getMessage();
    throw new IOException("chunk " + chunk + " of '" + file.path() + "' (offset " + (long) chunk * chunkSize
        + ") could not be fetched: " + cause, last);
  }

  /**
   * One attempt: peers that announced the chunk first (the swarm's interim policy, see
   * {@link ModelPeers}), the origin if no peer has it or the peers fail; a verified chunk is
   * announced to the peers.
   */
  private CompletableFuture<Void> attempt(FileEntry file, int chunk, ChunkStore.Priority priority, int attempt) {
    ModelPeers p = peers;
    CompletableFuture<Void> viaPeers = p.fetch(store, file, chunk, file.chunk(chunk, chunkSize), priority, metrics);
    CompletableFuture<Void> loaded = viaPeers == null
        ? originAttempt(file, chunk, priority, attempt)
        : viaPeers.exceptionallyCompose(e -> {
          log.info("chunk {} of '{}' from peers failed ({}); trying the origin", chunk, file.path(), e.getMessage());
          return originAttempt(file, chunk, priority, attempt);
        });
    return loaded.thenRun(() -> p.verified(file, chunk));
  }

  /** Sets where fetches are recorded (the agent's metrics); until called, nowhere. */
  void useMetrics(FetchMetrics metrics) {
    this.metrics = metrics;
  }

  FetchMetrics metrics() {
    return metrics;
  }

  /** Sets the model's swarm view; until called (and without a swarm) chunks come from the origin only. */
  void usePeers(ModelPeers peers) {
    this.peers = peers;
  }

  private CompletableFuture<Void> originAttempt(FileEntry file, int chunk, ChunkStore.Priority priority, int attempt) {
    ChunkRef ref = file.chunk(chunk, chunkSize);
    List<Sources.Binding> bindings = bindingsFor(file);
    if (bindings.isEmpty()) {
      return CompletableFuture.failedFuture(new IOException("no source holds '" + file.path() + "'"));
    }
    Sources.Binding binding = bindings.get(attempt % bindings.size());
    String version = binding.versions().get(file.path());
    long offset = (long) chunk * chunkSize;
    return MeteredLoads.ensure(store, ref, priority, "origin " + binding.uri(), Source.ORIGIN,
        (c, sink) -> origin(binding.uri()).read(file.path(), version, offset, c.size(), sink), metrics,
        Clock.systemUTC());
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

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  static ConcurrentMap<String, Origin> newOriginCache() {
    return new ConcurrentHashMap<>();
  }
}
