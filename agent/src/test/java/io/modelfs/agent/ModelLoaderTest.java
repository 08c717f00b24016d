package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import io.modelfs.core.Sources;
import io.modelfs.store.ChunkStore;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The origin binding: transient failures are retried a bounded number of times, then the error names file and chunk. */
class ModelLoaderTest {
  private static final FileEntry FILE = new FileEntry("weights.bin", 10, 0644, List.of(Digest.sha256(new byte[10])));
  private static final Sources SOURCES = new Sources(List.of(new Sources.Binding("file:///nowhere/", Map.of("weights.bin", "v1"))));

  @Test
  void transientFailuresAreRetriedABoundedNumberOfTimes() {
    StuckStore store = new StuckStore();
    store.failWith = new IOException("connection reset");
    ModelLoader loader = new ModelLoader(store, SOURCES, 1 << 20, 3, ModelLoader.newOriginCache());
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> loader.fromOrigin(FILE, 0, ChunkStore.Priority.FOREGROUND, () -> false).get(30, TimeUnit.SECONDS));
    assertEquals(3, store.ensures.get(), store.ensures.get() + " attempts");
    IOException cause = assertInstanceOf(IOException.class, e.getCause());
    assertTrue(cause.getMessage().contains("connection reset") && cause.getMessage().contains("offset 0")
        && cause.getMessage().contains("weights.bin"), cause.getMessage());
  }

  @Test
  void aCancelledFetchIsNotRetried() {
    StuckStore store = new StuckStore();
    store.failWith = new IOException("connection reset");
    ModelLoader loader = new ModelLoader(store, SOURCES, 1 << 20, 5, ModelLoader.newOriginCache());
    assertThrows(ExecutionException.class,
        () -> loader.fromOrigin(FILE, 0, ChunkStore.Priority.FOREGROUND, () -> true).get(30, TimeUnit.SECONDS));
    assertEquals(1, store.ensures.get(), "one attempt, then the cancel stopped the retries");
  }
}
