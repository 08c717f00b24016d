package io.modelfs.store;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChunkStore} that keeps one file per published chunk under a root directory (layout
 * in {@link StoreLayout}). Loads run on {@link StoreConfig#fetchThreads()} threads, foreground
 * first ({@link FetchScheduler}); each is staged, verified and renamed into place
 * ({@link ChunkPublisher}). Reads go straight to the chunk's file through a small cache of open
 * channels ({@link OpenFileCache}).
 *
 * <p>One process owns a root at a time (a lock file enforces it): opening clears
 * {@code staging/}, which only a crash can have left non-empty.
 */
public final class FileChunkStore implements ChunkStore {
  private static final Logger log = LoggerFactory.getLogger(FileChunkStore.class);
  private static final int READ_ATTEMPTS = 3;

  private final StoreLayout layout;
  private final FileLock lock;
  private final StoreCounters counters;
  private final FetchScheduler scheduler;
  private final OpenFileCache files;

  private FileChunkStore(StoreConfig config, StoreLayout layout, FileLock lock, StoreCounters counters) {
    String name = "chunk store at " + layout.root();
    this.layout = layout;
    this.lock = lock;
    this.counters = counters;
    ChunkPublisher publisher = new ChunkPublisher(layout, config.fsync(), counters);
    this.scheduler = new FetchScheduler(name, config.fetchThreads(), publisher::publish);
    this.files = new OpenFileCache(name, config.openFiles());
  }

  /**
   * Opens the store at {@code config.root()}, creating it if needed: removes partial writes
   * left in {@code staging/} by a crash and counts the published chunks.
   */
  public static FileChunkStore open(StoreConfig config) throws IOException {
    StoreLayout layout = new StoreLayout(config.root());
    FileLock lock = layout.createAndLock();
    try {
      int leftovers = layout.clearStaging();
      StoreLayout.Inventory found = layout.scan();
      log.info("opened chunk store at {}: {} chunks, {} bytes; removed {} partial writes from staging",
          layout.root(), found.chunks(), found.bytes(), leftovers);
      return new FileChunkStore(config, layout, lock, new StoreCounters(found.chunks(), found.bytes()));
    } catch (IOException | RuntimeException e) {
      lock.channel().close();
      throw e;
    }
  }

  @Override
  public boolean contains(Digest digest) {
    return Files.isRegularFile(layout.chunkPath(digest));
  }

  @Override
  public int read(Digest digest, long offset, ByteBuffer dst) throws IOException {
    if (offset < 0) {
      throw new IllegalArgumentException("read of chunk " + digest + " at negative offset " + offset);
    }
    FileChannel channel = channel(digest);
    int copied = 0;
    int attempts = 0;
    while (dst.hasRemaining()) {
      int n;
      try {
        n = channel.read(dst, offset + copied);
      } catch (ClosedByInterruptException e) {
        files.invalidate(digest, channel);
        throw e;
      } catch (ClosedChannelException e) {
        // Evicted, or closed by another reader's interrupt: positional reads are safe to repeat.
        files.invalidate(digest, channel);
        if (++attempts == READ_ATTEMPTS) {
          throw e;
        }
        channel = channel(digest);
        continue;
      }
      if (n < 0) {
        break;
      }
      copied += n;
    }
    return copied;
  }

  @Override
  public CompletableFuture<Void> ensure(ChunkRef chunk, Priority priority, String source, ChunkLoader loader) {
    Objects.requireNonNull(chunk, "chunk is null");
    Objects.requireNonNull(priority, () -> "priority for chunk " + chunk + " is null");
    Objects.requireNonNull(source, () -> "source for chunk " + chunk + " is null");
    Objects.requireNonNull(loader, () -> "loader for chunk " + chunk + " from " + source + " is null");
    if (contains(chunk.digest())) {
      return CompletableFuture.completedFuture(null);
    }
    return scheduler.submit(chunk, priority, source, loader);
  }

  /**
   * Published chunks and bytes (found at open plus published since), and load outcomes since
   * open: every loader run is a load, and a load that fails counts either as a load failure
   * (the loader or the disk threw) or as a verification failure (the bytes were wrong).
   */
  @Override
  public StoreStats stats() {
    return counters.snapshot();
  }

  @Override
  public synchronized void close() throws IOException {
    if (!lock.isValid()) {
      return;
    }
    scheduler.close();
    files.close();
    lock.channel().close();
    log.info("closed chunk store at {}", layout.root());
  }

  private FileChannel channel(Digest digest) throws IOException {
    try {
      return files.get(digest, layout.chunkPath(digest));
    } catch (NoSuchFileException e) {
      throw new ChunkNotFoundException(digest);
    }
  }
}
