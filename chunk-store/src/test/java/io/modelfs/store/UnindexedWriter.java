package io.modelfs.store;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.store.ChunkStore.Priority;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The child process of {@link UnindexedCrashIT}: opens the store with fsync on, holds its
 * {@link BackgroundIndexer}, publishes chunks, reads each back, flushes access times (which must
 * not write entries for them), prints "published" and waits to be killed. Arguments: store root,
 * seed, chunk count, chunk size.
 */
public final class UnindexedWriter {
  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    Random random = new Random(Long.parseLong(args[1]));
    int count = Integer.parseInt(args[2]);
    int size = Integer.parseInt(args[3]);
    FileChunkStore store = FileChunkStore.open(StoreConfig.at(root).withMinFreeBytes(0).withFetchThreads(2));
    store.indexer().hold();
    for (int i = 0; i < count; i++) {
      byte[] data = new byte[size];
      random.nextBytes(data);
      ChunkRef ref = new ChunkRef(Digest.sha256(data), size);
      store.ensure(ref, Priority.FOREGROUND, "unindexed test", (c, sink) -> sink.write(ByteBuffer.wrap(data)))
          .get(30, TimeUnit.SECONDS);
      ByteBuffer back = ByteBuffer.allocate(size);
      if (store.read(ref.digest(), 0, back) != size || !Arrays.equals(back.array(), data)) {
        throw new AssertionError("chunk " + ref.digest() + " read back wrong before it was indexed");
      }
    }
    if (store.indexer().pendingCount() != count) {
      throw new AssertionError("expected " + count + " chunks pending, got " + store.indexer().pendingCount());
    }
    store.accessFlusher().flush();
    System.out.println("published");
    System.out.flush();
    Thread.sleep(TimeUnit.MINUTES.toMillis(5));
  }
}
