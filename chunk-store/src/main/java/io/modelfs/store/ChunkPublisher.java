package io.modelfs.store;

import io.modelfs.core.ChunkRef;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one load: loader into a staging file, verify, fsync, rename into {@code chunks/}. The
 * rename is the only way a file enters {@code chunks/}, so every file there was verified (and
 * forced to disk when the config says so) — which is why reads and the scan at open trust them.
 * On any failure the staging file is deleted and nothing is published.
 */
final class ChunkPublisher {
  private static final Logger log = LoggerFactory.getLogger(ChunkPublisher.class);

  private final StoreLayout layout;
  private final boolean fsync;
  private final StoreCounters counters;

  ChunkPublisher(StoreLayout layout, boolean fsync, StoreCounters counters) {
    this.layout = layout;
    this.fsync = fsync;
    this.counters = counters;
  }

  /**
   * Loads and publishes {@code chunk}, or throws {@link ChunkVerificationException} or the
   * loader's exception. Does nothing if the chunk is already published (a load that finished
   * just before this one was queued).
   */
  void publish(ChunkRef chunk, String source, ChunkLoader loader) throws IOException {
    Path target = layout.chunkPath(chunk.digest());
    if (Files.exists(target)) {
      return;
    }
    counters.loadStarted();
    Path staging = layout.newStagingFile(chunk.digest());
    try {
      stage(chunk, source, loader, staging);
      Files.createDirectories(target.getParent());
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      counters.published(chunk.size());
    } catch (ChunkVerificationException e) {
      counters.verificationFailed();
      log.warn(e.getMessage());
      throw e;
    } catch (IOException | RuntimeException e) {
      counters.loadFailed();
      log.warn("chunk {} from {} failed to load: {}", chunk.digest(), source, e.toString());
      throw e;
    } finally {
      discard(staging);
    }
  }

  /** Deletes a staging file that was not published; a failure here must not hide the load's outcome. */
  private static void discard(Path staging) {
    try {
      Files.deleteIfExists(staging);
    } catch (IOException e) {
      log.warn("could not delete staging file {} (the next open removes it): {}", staging, e.toString());
    }
  }

  private void stage(ChunkRef chunk, String source, ChunkLoader loader, Path staging) throws IOException {
    try (FileChannel file = FileChannel.open(staging, StandardOpenOption.WRITE);
        VerifyingSink sink = new VerifyingSink(file, chunk, source)) {
      try {
        loader.load(chunk, sink);
      } catch (IOException | RuntimeException e) {
        if (!sink.overflowed() || e instanceof ChunkVerificationException) {
          throw e;
        }
        // The loader wrapped or swallowed the sink's refusal; the bytes were wrong all the same.
        ChunkVerificationException tooLong = sink.tooLong();
        tooLong.addSuppressed(e);
        throw tooLong;
      }
      if (sink.overflowed()) {
        throw sink.tooLong();
      }
      sink.verify();
      if (fsync) {
        file.force(true);
      }
    }
  }
}
