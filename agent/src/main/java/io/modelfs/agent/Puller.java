package io.modelfs.agent;

import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import io.modelfs.core.ModelRef;
import io.modelfs.store.ChunkStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * {@code modelfs pull}: makes every chunk of a model local at background priority, a bounded
 * number at a time, sharing loads with readers through the store's single-flight. Succeeds only
 * when every chunk is local and verified.
 */
final class Puller {

  /** Counts a pull reports while it runs; read from another thread. */
  static final class Progress {
    final long chunksTotal;
    final long bytesTotal;
    final AtomicLong chunksDone = new AtomicLong();
    final AtomicLong bytesDone = new AtomicLong();
    final AtomicLong bytesLocal = new AtomicLong();

    Progress(long chunksTotal, long bytesTotal) {
      this.chunksTotal = chunksTotal;
      this.bytesTotal = bytesTotal;
    }
  }

  private final AgentCatalog catalog;
  private final ChunkStore store;
  private final int parallelism;

  Puller(AgentCatalog catalog, ChunkStore store, int parallelism) {
    this.catalog = catalog;
    this.store = store;
    this.parallelism = parallelism;
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

  private void pullPinned(StoredModel model, Progress progress) throws IOException {
    int chunkSize = model.manifest().chunkSize();
    ExecutorService pool = Executors.newFixedThreadPool(parallelism, r -> {
      Thread t = new Thread(r, "pull-" + model.ref().name());
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<?>> tasks = new ArrayList<>();
      for (FileEntry file : model.manifest().files()) {
        for (int i = 0; i < file.chunks().size(); i++) {
          int chunk = i;
          long size = file.chunk(i, chunkSize).size();
          tasks.add(pool.submit(() -> {
            if (store.contains(file.chunks().get(chunk))) {
              progress.bytesLocal.addAndGet(size);
            } else {
              model.pull(file, chunk);
            }
            progress.bytesDone.addAndGet(size);
            progress.chunksDone.incrementAndGet();
            return null;
          }));
        }
      }
      IOException first = null;
      for (Future<?> t : tasks) {
        try {
          t.get();
        } catch (ExecutionException e) {
          if (first == null) {
            first = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("pull of " + model.ref() + " interrupted", e);
        }
      }
      if (first != null) {
        throw first;
      }
      List<Digest> chunks = StoreOperations.digestsOf(model.manifest());
      completed.forEach(l -> l.accept(model.ref(), chunks));
    } finally {
      pool.shutdownNow();
    }
  }
}
