package io.modelfs.agent;

import io.modelfs.agent.metrics.Source;
import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import io.modelfs.store.ChunkStore;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * {@code modelfs pull}: makes every chunk of a model local at background priority through the
 * node's fetch scheduler, sharing loads with readers. Succeeds only when every chunk is local
 * and verified.
 */
final class Puller {

  /** Counts a pull reports while it runs; read from another thread. */
  static final class Progress {
    final long chunksTotal;
    final long bytesTotal;
    final AtomicLong chunksDone = new AtomicLong();
    final AtomicLong bytesDone = new AtomicLong();
    final AtomicLong bytesLocal = new AtomicLong();
    final AtomicLong bytesPeer = new AtomicLong();
    final AtomicLong bytesOrigin = new AtomicLong();

    Progress(long chunksTotal, long bytesTotal) {
      this.chunksTotal = chunksTotal;
      this.bytesTotal = bytesTotal;
    }
  }

  private final AgentCatalog catalog;
  private final ChunkStore store;

  Puller(AgentCatalog catalog, ChunkStore store) {
    this.catalog = catalog;
    this.store = store;
  }

  /** Resolves the ref; throws if no manifest location has it. */
  StoredModel resolve(ModelRef ref) throws IOException {
    return catalog.model(ref).orElseThrow(() -> new IOException(
        "model " + ref + " was not found in any manifests location of this agent; check the ref, or start the agent with --manifests pointing where it was imported"));
  }

  static Progress progressOf(StoredModel model) {
    return new Progress(model.manifest().totalChunks(), model.manifest().totalBytes());
  }

  private final List<BiConsumer<ModelRef, List<Digest>>> completed = new CopyOnWriteArrayList<>();

  /** Tells {@code listener}, on the pulling thread, about each pull that left every chunk of its model local. */
  void onComplete(BiConsumer<ModelRef, List<Digest>> listener) {
    completed.add(listener);
  }

  /** Pulls every chunk; throws the first failure after the rest have finished. */
  void pull(StoredModel model, Progress progress) throws IOException {
    pull(model, progress, false);
  }

  /**
   * As above; the model's chunks are pinned while the pull runs, so eviction cannot undo it,
   * and with {@code keep} they stay pinned under the model's ref until {@code modelfs unpin}.
   */
  void pull(StoredModel model, Progress progress, boolean keep) throws IOException {
    List<Digest> digests = StoreOperations.digestsOf(model.manifest());
    if (keep) {
      store.pin(model.ref().toString(), digests);
    }
    ChunkStore.Pin pulling = store.pin(digests);
    try {
      pullPinned(model, progress);
    } finally {
      pulling.close();
    }
  }

  /**
   * Wants every missing chunk at once (the scheduler's {@code wantAll} at PREFETCH: rarest first,
   * sharing loads with readers) and waits. Fails when a chunk failed for good (after the others
   * finished or stalled), or when no chunk arrived for the read timeout: a pull never hangs.
   */
  private void pullPinned(StoredModel model, Progress progress) throws IOException {
    ModelChunks chunks = model.chunks();
    Map<Integer, CompletableFuture<FetchDriver.From>> wanted = model.pullAll();
    // Waited for are the counting stages, so every chunk is counted once the pull returns.
    Map<Integer, CompletableFuture<FetchDriver.From>> missing = new java.util.LinkedHashMap<>();
    for (int i = 0; i < chunks.count(); i++) {
      long size = chunks.chunk(i).size();
      CompletableFuture<FetchDriver.From> f = wanted.get(i);
      if (f == null) {
        progress.bytesLocal.addAndGet(size);
        progress.bytesDone.addAndGet(size);
        progress.chunksDone.incrementAndGet();
        continue;
      }
      missing.put(i, f.thenApply(from -> {
        Source s = from.source();
        (s == Source.LOCAL ? progress.bytesLocal : s == Source.PEER ? progress.bytesPeer : progress.bytesOrigin)
            .addAndGet(size);
        progress.bytesDone.addAndGet(size);
        progress.chunksDone.incrementAndGet();
        return from;
      }));
    }
    awaitAll(model, missing);
    List<Digest> digests = StoreOperations.digestsOf(model.manifest());
    completed.forEach(l -> l.accept(model.ref(), digests));
  }

  private static void awaitAll(StoredModel model, Map<Integer, CompletableFuture<FetchDriver.From>> missing)
      throws IOException {
    long quiet = model.readTimeout().toNanos();
    long lastDone = -1;
    long lastProgress = System.nanoTime();
    while (true) {
      long done = missing.values().stream().filter(CompletableFuture::isDone).count();
      if (done == missing.size()) {
        break;
      }
      if (done != lastDone) {
        lastDone = done;
        lastProgress = System.nanoTime();
      } else if (System.nanoTime() - lastProgress > quiet) {
        int first = missing.entrySet().stream().filter(e -> !e.getValue().isDone()).findFirst().orElseThrow().getKey();
        throw new IOException("pull of " + model.ref() + ": no chunk arrived for " + model.readTimeout().toSeconds()
            + " s; " + (missing.size() - done) + " chunks still missing, e.g. chunk " + model.chunks().chunkInFile(first)
            + " of '" + model.chunks().file(first).path() + "'");
      }
      try {
        CompletableFuture.anyOf(missing.values().stream().filter(f -> !f.isDone()).toArray(CompletableFuture[]::new))
            .get(200, TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // progress is checked above; failures are collected below
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("pull of " + model.ref() + " interrupted", e);
      }
    }
    for (CompletableFuture<FetchDriver.From> f : missing.values()) {
      try {
        f.join();
      } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        throw cause instanceof IOException io ? io : new IOException("pull of " + model.ref() + ": " + cause, cause);
      }
    }
  }
}
