package io.modelfs.store;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.store.ChunkStore.Priority;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The child process of {@link CrashIT}: opens the store, says "ready", then writes, pins,
 * evicts and verifies chunks as fast as it can until it is killed. Arguments: store root, seed.
 */
public final class CrashWriter {
  private static final int MAX_CHUNK = 256 << 10;

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    Random random = new Random(Long.parseLong(args[1]));
    ChunkStore store = FileChunkStore.open(StoreConfig.at(root).withFsync(false).withMinFreeBytes(0)
        .withFetchThreads(4).withBudgetBytes(2L << 20));
    System.out.println("ready");
    System.out.flush();
    for (long round = 0; round < 100_000; round++) {
      List<CompletableFuture<Void>> loads = new ArrayList<>();
      List<Digest> batch = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        byte[] data = new byte[1 + random.nextInt(MAX_CHUNK)];
        random.nextBytes(data);
        ChunkRef ref = new ChunkRef(Digest.sha256(data), data.length);
        batch.add(ref.digest());
        loads.add(store.ensure(ref, Priority.PREFETCH, "crash test", (c, sink) -> {
          for (int at = 0; at < data.length; at += 8192) {
            sink.write(ByteBuffer.wrap(data, at, Math.min(8192, data.length - at)));
          }
        }));
      }
      for (CompletableFuture<Void> load : loads) {
        load.get(30, TimeUnit.SECONDS);
      }
      if (round % 3 == 0) {
        store.pin("model-" + (round % 4), batch.subList(0, 2));
      }
      if (round % 5 == 0) {
        store.gc(1L << 20);
      }
      if (round % 7 == 0) {
        store.unpin("model-" + (round % 4));
      }
    }
    store.close();
  }
}
