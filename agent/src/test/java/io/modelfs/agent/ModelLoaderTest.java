package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import io.modelfs.core.Sources;
import io.modelfs.store.ChunkLoader;
import io.modelfs.store.ChunkStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The read-time bound: a chunk that never arrives fails the read after the timeout, not never. */
class ModelLoaderTest {
  private static final FileEntry FILE = new FileEntry("weights.bin", 10, 0644, List.of(Digest.sha256(new byte[10])));
  private static final Sources SOURCES = new Sources(List.of(new Sources.Binding("file:///nowhere/", Map.of("weights.bin", "v1"))));

  @Test
  void aLoadThatNeverCompletesFailsAfterTheReadTimeout() {
    ModelLoader loader = new ModelLoader(new StuckStore(), SOURCES, 1 << 20, 4, ModelLoader.newOriginCache());
    long start = System.nanoTime();
    IOException e = assertThrows(IOException.class,
        () -> loader.await(FILE, 0, ChunkStore.Priority.FOREGROUND, Duration.ofMillis(300)));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis >= 300 && millis < 5_000, "failed after " + millis + " ms");
    assertTrue(e.getMessage().contains("weights.bin") && e.getMessage().contains("timed out"), e.getMessage());
  }

  @Test
  void transientFailuresAreRetriedABoundedNumberOfTimes() {
    StuckStore store = new StuckStore();
    store.failWith = new IOException("connection reset");
    ModelLoader loader = new ModelLoader(store, SOURCES, 1 << 20, 3, ModelLoader.newOriginCache());
    IOException e = assertThrows(IOException.class,
        () -> loader.await(FILE, 0, ChunkStore.Priority.FOREGROUND, Duration.ofSeconds(30)));
    assertTrue(store.ensures.get() == 3, store.ensures.get() + " attempts");
    assertTrue(e.getMessage().contains("connection reset") && e.getMessage().contains("offset 0"), e.getMessage());
  }

  /** A store that never has the chunk: its loads hang, or fail with {@link #failWith}. */
  private static final class StuckStore implements ChunkStore {
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
      return new StoreStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
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
}
