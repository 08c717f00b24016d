package io.modelfs.agent;

import io.modelfs.agent.metrics.FetchMetrics;
import io.modelfs.core.ChunkRef;
import io.modelfs.core.FileEntry;
import io.modelfs.core.ModelRef;
import io.modelfs.store.ChunkStore;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One open model's view of the swarm: maps a file's chunk to the model-wide chunk index that
 * peers announce, fetches it from peers, and announces it once verified.
 */
final class ModelPeers {
  static final ModelPeers NONE = new ModelPeers(SwarmLink.NONE, null, Map.of());

  private final SwarmLink link;
  private final ModelRef ref;
  private final Map<String, Integer> firstChunk;

  ModelPeers(SwarmLink link, ModelRef ref, Map<String, Integer> firstChunk) {
    this.link = link;
    this.ref = ref;
    this.firstChunk = Map.copyOf(firstChunk);
  }

  /** A load of the chunk from peers, or null if no peer announced it (or there is no swarm). */
  CompletableFuture<Void> fetch(ChunkStore store, FileEntry file, int chunk, ChunkRef chunkRef, ChunkStore.Priority p,
      FetchMetrics metrics) {
    Integer first = firstChunk.get(file.path());
    return first == null ? null : link.fetch(store, ref, first + chunk, chunkRef, p, metrics);
  }

  void verified(FileEntry file, int chunk) {
    Integer first = firstChunk.get(file.path());
    if (first != null) {
      link.verified(ref, first + chunk);
    }
  }
}
