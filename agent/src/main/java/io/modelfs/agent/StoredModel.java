package io.modelfs.agent;

import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import io.modelfs.core.ModelRef;
import io.modelfs.fuse.ModelContent;
import io.modelfs.store.ChunkStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A model's bytes as the mount sees them: the local store, filled on demand by a {@link ModelLoader}. */
final class StoredModel implements ModelContent {
  private static final Logger log = LoggerFactory.getLogger(StoredModel.class);

  private final ModelRef ref;
  private final Manifest manifest;
  private final ChunkStore store;
  private final ModelLoader loader;
  private final Duration readTimeout;

  StoredModel(ModelRef ref, Manifest manifest, ChunkStore store, ModelLoader loader, Duration readTimeout) {
    this.ref = ref;
    this.manifest = manifest;
    this.store = store;
    this.loader = loader;
    this.readTimeout = readTimeout;
  }

  @Override
  public ModelRef ref() {
    return ref;
  }

  @Override
  public Manifest manifest() {
    return manifest;
  }

  @Override
  public int read(FileEntry file, int chunk, int offset, ByteBuffer dst) throws IOException {
    // Pinned from the wait to the copy, so that eviction cannot take the chunk in between.
    ChunkStore.Pin reading = store.pin(List.of(file.chunks().get(chunk)));
    try {
      boolean wasLocal;
      try {
        wasLocal = loader.await(file, chunk, ChunkStore.Priority.FOREGROUND, readTimeout);
      } catch (IOException e) {
        log.error("read of {}/{} at offset {} failed: {}", ref, file.path(),
            (long) chunk * manifest.chunkSize() + offset, e.getMessage());
        throw e;
      }
      int n = store.read(file.chunks().get(chunk), offset, dst);
      if (wasLocal) {
        loader.metrics().servedLocally(n);
      }
      return n;
    } finally {
      reading.close();
    }
  }

  @Override
  public void prefetch(FileEntry file, int chunk) {
    if (!store.contains(file.chunks().get(chunk))) {
      loader.start(file, chunk, ChunkStore.Priority.READAHEAD).exceptionally(e -> {
        log.debug("readahead of chunk {} of {}/{} failed: {}", chunk, ref, file.path(), e.toString());
        return null;
      });
    }
  }

  /** Waits for a chunk as {@code pull} does: lowest priority, same retries and timeout as reads. */
  void pull(FileEntry file, int chunk) throws IOException {
    loader.await(file, chunk, ChunkStore.Priority.PREFETCH, readTimeout);
  }
}
