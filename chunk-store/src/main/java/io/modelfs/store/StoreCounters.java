package io.modelfs.store;

import io.modelfs.store.ChunkStore.StoreStats;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The numbers behind {@link ChunkStore#stats()}. Every loader run counts as a load; a load
 * then ends in exactly one of: published, failed (the loader or the disk threw) or failed
 * verification. Thread-safe.
 */
final class StoreCounters {
  private final AtomicLong chunks;
  private final AtomicLong bytes;
  private final AtomicLong loads = new AtomicLong();
  private final AtomicLong loadFailures = new AtomicLong();
  private final AtomicLong verificationFailures = new AtomicLong();

  /** Starts from what a scan of the published chunks found. */
  StoreCounters(long chunks, long bytes) {
    this.chunks = new AtomicLong(chunks);
    this.bytes = new AtomicLong(bytes);
  }

  void loadStarted() {
    loads.incrementAndGet();
  }

  void published(long size) {
    chunks.incrementAndGet();
    bytes.addAndGet(size);
  }

  void loadFailed() {
    loadFailures.incrementAndGet();
  }

  void verificationFailed() {
    verificationFailures.incrementAndGet();
  }

  StoreStats snapshot() {
    return new StoreStats(chunks.get(), bytes.get(), loads.get(), loadFailures.get(), verificationFailures.get());
  }
}
