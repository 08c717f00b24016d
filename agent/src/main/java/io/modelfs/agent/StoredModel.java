package io.modelfs.agent;

import io.modelfs.agent.metrics.FetchMetrics;
import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import io.modelfs.core.ModelRef;
import io.modelfs.fuse.ModelContent;
import io.modelfs.schedule.Need;
import io.modelfs.store.ChunkStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model's bytes as the mount sees them: the local store, filled on demand through the node's
 * {@link FetchDriver} — a blocked read is a FOREGROUND want, readahead a READAHEAD want, a pull a
 * PREFETCH {@code wantAll}. Readahead of a chunk already local asks the store to bring its file
 * into the page cache ({@link ChunkStore#willRead}).
 */
final class StoredModel implements ModelContent {
  private static final Logger log = LoggerFactory.getLogger(StoredModel.class);

  private final ModelChunks chunks;
  private final ChunkStore store;
  private final FetchDriver driver;
  private final FetchMetrics metrics;
  private final Duration readTimeout;

  StoredModel(ModelChunks chunks, ChunkStore store, FetchDriver driver, FetchMetrics metrics, Duration readTimeout) {
    this.chunks = chunks;
    this.store = store;
    this.driver = driver;
    this.metrics = metrics;
    this.readTimeout = readTimeout;
  }

  @Override
  public ModelRef ref() {
    return chunks.ref();
  }

  @Override
  public Manifest manifest() {
    return chunks.manifest();
  }

  ModelChunks chunks() {
    return chunks;
  }

  @Override
  public int read(FileEntry file, int chunk, int offset, ByteBuffer dst) throws IOException {
    // Pinned from the wait to the copy, so that eviction cannot take the chunk in between.
    ChunkStore.Pin reading = store.pin(List.of(file.chunks().get(chunk)));
    try {
      boolean wasLocal = store.contains(file.chunks().get(chunk));
      if (!wasLocal) {
        try {
          driver.await(chunks, chunks.index(file, chunk), Need.FOREGROUND, readTimeout);
        } catch (IOException e) {
          log.error("read of {}/{} at offset {} failed: {}", ref(), file.path(),
              (long) chunk * manifest().chunkSize() + offset, e.getMessage());
          throw e;
        }
      }
      int n = store.read(file.chunks().get(chunk), offset, dst);
      if (wasLocal) {
        metrics.servedLocally(n);
      }
      return n;
    } finally {
      reading.close();
    }
  }

  @Override
  public void prefetch(FileEntry file, int chunk) {
    if (store.contains(file.chunks().get(chunk))) {
      store.willRead(file.chunks().get(chunk)); // local: into the page cache ahead of the reader
    } else {
      driver.want(chunks, chunks.index(file, chunk), Need.READAHEAD).exceptionally(e -> {
        log.debug("readahead of chunk {} of {}/{} failed: {}", chunk, ref(), file.path(), e.toString());
        return null;
      });
    }
  }

  /** Wants every chunk the store lacks, as {@code pull} does (PREFETCH); a future per missing model-wide index. */
  Map<Integer, CompletableFuture<FetchDriver.From>> pullAll() {
    return driver.pull(chunks);
  }

  Duration readTimeout() {
    return readTimeout;
  }
}
