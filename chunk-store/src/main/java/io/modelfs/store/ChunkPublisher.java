package io.modelfs.store;

import com.sun.nio.file.ExtendedOpenOption;
import io.modelfs.core.ChunkRef;
import io.modelfs.store.ChunkStore.GcReport;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one load: make room, loader into a staging file (written by a {@link StagingWriter} while
 * the fetch thread hashes; or, when {@link ChunkMemory} has a buffer for it, loaded into that
 * buffer and written from it with {@code O_DIRECT} by a {@link DirectStagingWriter}), verify,
 * rename into {@code chunks/}, table — the chunk is served from here on, from the memory buffer
 * while it lasts — and hands it to the {@link BackgroundIndexer}, which fsyncs the file and then
 * writes its index entry off the reader's path. The rename is the only way a file enters {@code chunks/},
 * so every file there was verified — which is why reads trust them; an entry exists only for a
 * file already forced to disk, and files without one are re-hashed at the next open. On any
 * failure the staging file is deleted and nothing is published; when the disk is full, eviction
 * runs and the failure is a {@link StoreFullException} saying so.
 */
final class ChunkPublisher {
  private static final Logger log = LoggerFactory.getLogger(ChunkPublisher.class);
  private static final String ENOSPC = "No space left on device";

  private final StoreLayout layout;
  private final StoreCounters counters;
  private final ChunkTable table;
  private final BackgroundIndexer indexer;
  private final Evictor evictor;
  private final Clock clock;
  private final ExecutorService writers;
  private final ChunkMemory memory;
  private final int blockSize;
  private final ThreadLocal<StagingWriter.Buffers> buffers = ThreadLocal.withInitial(StagingWriter.Buffers::new);

  /**
   * {@code writers} runs the staging writes; the caller owns (and shuts down) the pool. With a
   * {@code memory} (null: none), loads that get one of its buffers write their staging file with
   * {@code O_DIRECT} in blocks of {@code blockSize} bytes.
   */
  ChunkPublisher(StoreLayout layout, StoreCounters counters, ChunkTable table, BackgroundIndexer indexer,
      Evictor evictor, Clock clock, ExecutorService writers, ChunkMemory memory, int blockSize) {
    this.writers = writers;
    this.memory = memory;
    this.blockSize = blockSize;
    this.layout = layout;
    this.counters = counters;
    this.table = table;
    this.indexer = indexer;
    this.evictor = evictor;
    this.clock = clock;
  }

  /**
   * Loads and publishes {@code chunk}, or throws {@link ChunkVerificationException},
   * {@link StoreFullException} or the loader's exception. Does nothing if the chunk is already
   * published (a load that finished just before this one was queued).
   */
  void publish(ChunkRef chunk, String source, ChunkLoader loader) throws IOException {
    if (table.contains(chunk.digest())) {
      return;
    }
    counters.loadStarted();
    Path staging = null;
    ChunkMemory.Slot slot = memory == null ? null : memory.acquire(chunk.size());
    try {
      evictor.makeRoom(chunk.size());
      staging = layout.newStagingFile(chunk.digest());
      stage(chunk, source, loader, staging, slot);
      Path target = layout.chunkPath(chunk.digest());
      Files.createDirectories(target.getParent());
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      if (slot != null) {
        memory.publish(slot, chunk.digest(), chunk.size());
        slot = null;
      }
      long now = clock.millis();
      table.add(chunk.digest(), chunk.size(), now);
      indexer.published(chunk, now);
      counters.published(chunk.size());
      evictor.makeRoom(0);
    } catch (ChunkVerificationException e) {
      counters.verificationFailed();
      log.warn(e.getMessage());
      throw e;
    } catch (LoadCancelledException e) {
      log.debug("chunk {} from {}: {}", chunk.digest(), source, e.getMessage());
      throw e;
    } catch (IOException | RuntimeException e) {
      counters.loadFailed();
      if (isDiskFull(e)) {
        discard(staging);
        staging = null;
        throw diskFull(chunk, source, e);
      }
      log.warn("chunk {} from {} failed to load: {}", chunk.digest(), source, e.toString());
      throw e;
    } finally {
      discard(staging);
      if (slot != null) {
        memory.release(slot);
      }
    }
  }

  private StoreFullException diskFull(ChunkRef chunk, String source, Exception cause) {
    String freed;
    try {
      GcReport r = evictor.afterDiskFull(chunk.size());
      freed = r.chunksEvicted() == 0
          ? "nothing could be evicted (every stored chunk is pinned)"
          : "evicted " + r.chunksEvicted() + " chunks (" + r.bytesFreed() + " bytes) to make room; a retry may succeed";
    } catch (IOException e) {
      freed = "eviction failed too: " + e.getMessage();
    }
    String message = "chunk " + chunk.digest() + " from " + source + " not stored: the disk under the chunk store at "
        + layout.root() + " is full (" + cause.getMessage() + "); nothing stored was damaged; " + freed
        + "; to fix: free space on that disk, or give the agent a --store-budget (and --store-min-free) that fits it";
    log.warn(message);
    return new StoreFullException(message, cause);
  }

  private static boolean isDiskFull(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains(ENOSPC)) {
        return true;
      }
    }
    return false;
  }

  /** Deletes a staging file that was not published; a failure here must not hide the load's outcome. */
  private static void discard(Path staging) {
    if (staging == null) {
      return;
    }
    try {
      Files.deleteIfExists(staging);
    } catch (IOException e) {
      log.warn("could not delete staging file {} (the next open removes it): {}", staging, e.toString());
    }
  }

  /**
   * Runs {@code loader} into the staging file through a {@link VerifyingSink}: from {@code slot}
   * with {@code O_DIRECT} when there is one, else through the page cache with this thread's two
   * small buffers. If it fails while a write may still read the writer's memory, that memory is
   * not reused (the slot is {@link ChunkMemory#drop dropped}, the buffers replaced).
   */
  private void stage(ChunkRef chunk, String source, ChunkLoader loader, Path staging, ChunkMemory.Slot slot)
      throws IOException {
    OpenOption[] options = slot == null ? new OpenOption[] {StandardOpenOption.WRITE}
        : new OpenOption[] {StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT};
    try (FileChannel file = FileChannel.open(staging, options);
        StagingSink writer = slot == null ? new StagingWriter(file, writers, buffers.get())
            : new DirectStagingWriter(file, writers, slot.buffer(), blockSize)) {
      try {
        VerifyingSink.load(chunk, source, loader, writer);
        writer.finish();
      } finally {
        if (!writer.idle()) {
          if (slot == null) {
            buffers.remove(); // this thread gets fresh ones
          } else {
            memory.drop(slot);
          }
        }
      }
    }
  }
}
