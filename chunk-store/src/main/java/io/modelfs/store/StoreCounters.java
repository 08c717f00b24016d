package io.modelfs.store;

import io.modelfs.store.ChunkStore.StoreStats;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counts behind {@link ChunkStore#stats()} that are not the store's size (the
 * {@link ChunkTable} knows that). Every loader run counts as a load; a load then ends in exactly
 * one of: published, failed (the loader or the disk threw) or failed verification. Thread-safe.
 */
final class StoreCounters {
  private final AtomicLong loads = new AtomicLong();
  private final AtomicLong loadFailures = new AtomicLong();
  private final AtomicLong verificationFailures = new AtomicLong();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final AtomicLong bytesIn = new AtomicLong();
  private final LongAdder bytesOut = new LongAdder();
  private final LongAdder bytesOutOfMemory = new LongAdder();
  private final AtomicLong evictions = new AtomicLong();

  void loadStarted() {
    loads.incrementAndGet();
  }

  void published(long size) {
    bytesIn.addAndGet(size);
  }

  void loadFailed() {
    loadFailures.incrementAndGet();
  }

  void verificationFailed() {
    verificationFailures.incrementAndGet();
  }

  void hit() {
    hits.increment();
  }

  void miss() {
    misses.increment();
  }

  void read(long bytes) {
    bytesOut.add(bytes);
  }

  /** A read served from {@link ChunkMemory}: counted in both. */
  void readFromMemory(long bytes) {
    bytesOut.add(bytes);
    bytesOutOfMemory.add(bytes);
  }

  void evicted() {
    evictions.incrementAndGet();
  }

  StoreStats snapshot(long chunks, long bytes, long budget) {
    return new StoreStats(chunks, bytes, budget, loads.get(), loadFailures.get(), verificationFailures.get(),
        hits.sum(), misses.sum(), bytesIn.get(), bytesOut.sum(), evictions.get(),
        bytesOutOfMemory.sum());
  }
}
