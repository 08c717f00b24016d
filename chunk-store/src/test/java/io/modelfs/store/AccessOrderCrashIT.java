package io.modelfs.store;

import static io.modelfs.store.TestChunks.refOf;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.modelfs.core.Digest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access times survive {@code kill -9}: a child ({@link AccessOrderWriter}) stores chunks, reads
 * them in another order, and is SIGKILLed once its background flusher has run; the reopened
 * store's least-recently-used order is the read order, not the order the chunks were stored in
 * (which is what a store that saves access times only at a clean close would reopen with).
 */
class AccessOrderCrashIT {
  private static final long WAIT_SECONDS = 60;

  @TempDir Path root;

  @Test
  void leastRecentlyUsedOrderIsKeptAcrossAKillAfterAFlush() throws Exception {
    Process child = ChildJvm.start(AccessOrderWriter.class, root.toString());
    try {
      ChildJvm.awaitLine(child, "flushed", WAIT_SECONDS);
    } finally {
      ChildJvm.kill(child, WAIT_SECONDS);
    }

    TestChunks chunks = new TestChunks(); // the child's contents: same seed, same sizes
    List<Digest> stored = new ArrayList<>();
    for (int i = 0; i < AccessOrderWriter.CHUNKS; i++) {
      stored.add(refOf(chunks.bytes(AccessOrderWriter.SIZE)).digest());
    }
    List<Digest> expected = AccessOrderWriter.READ_ORDER.stream().map(stored::get).toList();
    try (ChunkStore store = FileChunkStore.open(StoreConfig.at(root).withFsync(false).withMinFreeBytes(0))) {
      assertEquals(expected, store.list().stream().map(ChunkStore.StoredChunk::digest).toList());
    }
  }
}
