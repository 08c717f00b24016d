package io.modelfs.agent;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.store.ChunkLoader;
import io.modelfs.store.ChunkStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** A store that never has the chunk: its loads hang, or fail with {@link #failWith}. */
final class StuckStore implements ChunkStore {
  final AtomicInteger ensures = new AtomicInteger();
  volatile IOException failWith;

  @Override
  public boolean contains(Digest digest) {
    return false;
  }

  @Override
  public int read(Digest digest, long offset, ByteBuffer dst) throws IOException {
    throw new IOException("not stored");
  }

  @Override
  public CompletableFuture<Void> ensure(ChunkRef chunk, Priority priority, String source, ChunkLoader loader) {
    ensures.incrementAndGet();
    return failWith == null ? new CompletableFuture<>() : CompletableFuture.failedFuture(failWith);
  }

  @Override
  public StoreStats stats() {
    return new StoreStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  @Override
  public Pin pin(java.util.Collection<Digest> digests) {
    return () -> {};
  }

  @Override
  public void pin(String name, java.util.Collection<Digest> digests) {}

  @Override
  public boolean unpin(String name) {
    return false;
  }

  @Override
  public java.util.Map<String, java.util.Set<Digest>> namedPins() {
    return java.util.Map.of();
  }

  @Override
  public void addEvictionListener(EvictionListener listener) {}

  @Override
  public java.util.List<StoredChunk> list() {
    return java.util.List.of();
  }

  @Override
  public GcReport gc(long targetBytes) {
    return new GcReport(0, 0, 0, 0);
  }

  @Override
  public VerifyReport verify(java.util.Collection<Digest> digests) {
    return new VerifyReport(0, 0, java.util.List.of());
  }

  @Override
  public void close() {}
}
