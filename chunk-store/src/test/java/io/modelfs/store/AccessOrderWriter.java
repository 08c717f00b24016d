package io.modelfs.store;

import static io.modelfs.store.TestChunks.refOf;
import static io.modelfs.store.TestChunks.serving;

import io.modelfs.store.ChunkStore.Priority;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The child process of {@link AccessOrderCrashIT}: stores {@link #CHUNKS} chunks (in order),
 * reads them in {@link #READ_ORDER}, waits until the background flusher has run twice since the
 * last read (so one flush started after it), prints "flushed" and idles until it is killed.
 * Argument: store root.
 */
public final class AccessOrderWriter {
  static final int CHUNKS = 5;
  static final int SIZE = 4096;
  static final List<Integer> READ_ORDER = List.of(2, 0, 4, 1, 3);
  static final Duration FLUSH_INTERVAL = Duration.ofMillis(100);

  public static void main(String[] args) throws Exception {
    FileChunkStore store = FileChunkStore.open(StoreConfig.at(Path.of(args[0])).withFsync(false).withMinFreeBytes(0)
        .withFetchThreads(1).withAccessFlushInterval(FLUSH_INTERVAL));
    TestChunks chunks = new TestChunks();
    List<byte[]> contents = new java.util.ArrayList<>();
    for (int i = 0; i < CHUNKS; i++) {
      byte[] data = chunks.bytes(SIZE);
      contents.add(data);
      store.ensure(refOf(data), Priority.PREFETCH, "access order test", serving(data)).get(30, TimeUnit.SECONDS);
      Thread.sleep(5);
    }
    for (int i : READ_ORDER) {
      store.read(refOf(contents.get(i)).digest(), 0, ByteBuffer.allocate(16));
      Thread.sleep(5);
    }
    long after = store.accessFlusher().flushes() + 2;
    for (int wait = 0; wait < 300 && store.accessFlusher().flushes() < after; wait++) {
      Thread.sleep(100);
    }
    System.out.println(store.accessFlusher().flushes() >= after ? "flushed" : "no flush within 30 s");
    System.out.flush();
    Thread.sleep(60_000); // killed long before
  }
}
