package io.modelfs.store;

import static io.modelfs.store.TestChunks.refOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.modelfs.core.Digest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Access times reach the index every interval, after a batch of reads, and at close, without a store around them. */
class AccessFlusherTest {
  private static final long WAIT_MILLIS = 10_000;

  @TempDir Path dir;
  final TestChunks chunks = new TestChunks();
  final ChunkTable table = new ChunkTable(true);
  final List<Digest> digests = new ArrayList<>();
  RocksChunkIndex index;
  AccessFlusher flusher;

  @BeforeEach
  void fiveChunksStoredAtTimeZero() throws Exception {
    index = RocksChunkIndex.open(dir, false);
    for (int i = 0; i < 5; i++) {
      Digest d = refOf(chunks.bytes(100)).digest();
      digests.add(d);
      table.add(d, 100, 0);
      index.put(d, ChunkIndex.Entry.published(d, 100, 0));
    }
  }

  @AfterEach
  void close() {
    if (flusher != null) {
      flusher.close();
    }
    index.close();
  }

  @Test
  void writesChangedAccessTimesEveryInterval() throws Exception {
    flusher = new AccessFlusher("test store", table, index, Duration.ofMillis(50), 1000);

    flusher.touch(digests.get(1), 7000);

    awaitAccess(digests.get(1), 7000);
    assertEquals(0, index.get(digests.get(0)).orElseThrow().lastAccessMillis());
  }

  @Test
  void aFullBatchIsWrittenWithoutWaitingForTheInterval() throws Exception {
    flusher = new AccessFlusher("test store", table, index, Duration.ofHours(1), 3);
    flusher.touch(digests.get(0), 10);
    flusher.touch(digests.get(1), 11);
    Thread.sleep(200);
    assertEquals(0, index.get(digests.get(0)).orElseThrow().lastAccessMillis(), "two of a batch of three: not yet");

    flusher.touch(digests.get(2), 12);

    awaitAccess(digests.get(0), 10);
    awaitAccess(digests.get(2), 12);
  }

  @Test
  void closeWritesWhatIsLeftAndAChunkTouchedTwiceKeepsItsLatestTime() throws Exception {
    flusher = new AccessFlusher("test store", table, index, Duration.ofHours(1), 1000);
    flusher.touch(digests.get(4), 20);
    flusher.touch(digests.get(4), 30);

    flusher.close();
    flusher = null;

    assertEquals(30, index.get(digests.get(4)).orElseThrow().lastAccessMillis());
    assertEquals(0, table.unsavedCount());
  }

  @Test
  void rejectsANonPositiveInterval() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new AccessFlusher("test store", table, index, Duration.ZERO, 10));
    assertEquals("test store: access flush interval must be positive and batch at least 1, got PT0S and 10", e.getMessage());
  }

  private void awaitAccess(Digest d, long millis) throws Exception {
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    while (index.get(d).orElseThrow().lastAccessMillis() != millis) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("access time " + millis + " of chunk " + d + " not in the index after " + WAIT_MILLIS + " ms");
      }
      Thread.sleep(10);
    }
  }
}
