package io.modelfs.store;

import io.modelfs.core.ChunkRef;
import io.modelfs.store.ChunkStore.Priority;
import java.util.concurrent.CompletableFuture;

/**
 * One load of one chunk, shared by every caller that asked for the chunk while it was queued or
 * running. It may sit in the fetch queue more than once after promotions; {@link #claim()} lets
 * exactly one fetch thread run it and makes the other queue entries no-ops.
 */
final class PendingLoad {
  private final ChunkRef chunk;
  private final String source;
  private final ChunkLoader loader;
  private final CompletableFuture<Void> outcome = new CompletableFuture<>();
  private Priority priority;
  private boolean claimed;

  PendingLoad(ChunkRef chunk, String source, ChunkLoader loader, Priority priority) {
    this.chunk = chunk;
    this.source = source;
    this.loader = loader;
    this.priority = priority;
  }

  ChunkRef chunk() {
    return chunk;
  }

  String source() {
    return source;
  }

  ChunkLoader loader() {
    return loader;
  }

  /** Completes when the chunk is published or the load fails; callers get {@code copy()}s. */
  CompletableFuture<Void> outcome() {
    return outcome;
  }

  /**
   * Raises the load to {@code wanted} if that is more urgent and no thread has taken it yet.
   * Returns true if the caller must queue the load again at {@code wanted}.
   */
  synchronized boolean promote(Priority wanted) {
    if (claimed || wanted.ordinal() >= priority.ordinal()) {
      return false;
    }
    priority = wanted;
    return true;
  }

  /** True for the first fetch thread that takes this load from the queue, false after. */
  synchronized boolean claim() {
    if (claimed) {
      return false;
    }
    claimed = true;
    return true;
  }

  @Override
  public String toString() {
    return "load of chunk " + chunk + " from " + source;
  }
}
