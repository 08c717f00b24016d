package io.modelfs.store;

import static io.modelfs.store.TestChunks.refOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Index entries written in the background exist exactly for chunk files that are on disk. */
class BackgroundIndexerTest {
  private static final long WAIT_MILLIS = 10_000;

  @TempDir Path dir;
  final TestChunks chunks = new TestChunks();
  StoreLayout layout;
  RocksChunkIndex index;
  BackgroundIndexer indexer;

  @BeforeEach
  void open() throws IOException {
    layout = new StoreLayout(dir);
    index = RocksChunkIndex.open(dir.resolve("index"), false);
  }

  @AfterEach
  void close() {
    if (indexer != null) {
      indexer.close();
    }
    index.close();
  }

  @Test
  void aPublishedChunkGetsItsEntryAndStopsBeingPending() throws Exception {
    indexer = new BackgroundIndexer("test store", layout, index, true);
    ChunkRef chunk = published(chunks.bytes(1000));

    indexer.published(chunk, 42);

    assertTrue(indexer.awaitIdle(WAIT_MILLIS));
    assertEquals(42, index.get(chunk.digest()).orElseThrow().lastAccessMillis());
    assertEquals(0, indexer.pendingCount());
  }

  @Test
  void aChunkEvictedWhileItsEntryIsWrittenLeavesNoEntry() throws Exception {
    // The evictor deletes the file (and removes an entry not written yet) between the fsync and
    // the put: this index deletes the file just before it stores the entry.
    ChunkIndex evictingOnPut = (ChunkIndex) Proxy.newProxyInstance(ChunkIndex.class.getClassLoader(),
        new Class<?>[] {ChunkIndex.class}, (proxy, method, args) -> {
          if (method.getName().equals("put")) {
            Files.delete(layout.chunkPath((Digest) args[0]));
          }
          return method.invoke(index, args);
        });
    indexer = new BackgroundIndexer("test store", layout, evictingOnPut, true);
    ChunkRef chunk = published(chunks.bytes(1000));

    indexer.published(chunk, 42);

    assertTrue(indexer.awaitIdle(WAIT_MILLIS));
    assertTrue(index.get(chunk.digest()).isEmpty(), "an entry for a file that is gone");
    assertEquals(0, indexer.pendingCount());
  }

  private ChunkRef published(byte[] data) throws IOException {
    ChunkRef chunk = refOf(data);
    Path file = layout.chunkPath(chunk.digest());
    Files.createDirectories(file.getParent());
    Files.write(file, data);
    return chunk;
  }
}
