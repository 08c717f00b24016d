package io.modelfs.store;

import io.modelfs.core.Digest;
import io.modelfs.store.ChunkStore.EvictionListener;
import io.modelfs.store.ChunkStore.GcReport;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the store inside its budget and the disk above its free-space reserve by deleting
 * unpinned chunks, least recently used first, and tells the listeners about each one. A chunk
 * leaves the in-memory table first (so it is no longer served), then its {@link Backing} deletes
 * its bytes and record (for files: the file, then the index entry, so a crash in between leaves
 * an entry without a file, which the next open drops).
 *
 * <p>Choosing victims sorts the unpinned chunks by last access. So that a big store at its
 * budget does not do that on every publish, a store of at least {@value #SLACK_MIN_CHUNKS}
 * chunks evicts a little more than needed (1/{@value #SLACK_DIVISOR} of the budget).
 */
final class Evictor {
  private static final Logger log = LoggerFactory.getLogger(Evictor.class);
  private static final long SLACK_DIVISOR = 50;
  private static final long SLACK_MIN_CHUNKS = 1000;

  /** Where the bytes of chunks live: a directory of files, or memory. */
  interface Backing {
    /** Deletes the bytes and the durable record of a chunk that has left the table. */
    void delete(Digest digest) throws IOException;

    /** Bytes still free where chunks are written ({@link Long#MAX_VALUE} if that is not bounded). */
    long freeBytes() throws IOException;
  }

  private final String storeName;
  private final ChunkTable table;
  private final Backing backing;
  private final StoreCounters counters;
  private final long budget;
  private final long minFree;
  private final List<EvictionListener> listeners = new CopyOnWriteArrayList<>();

  /** {@code storeName} appears in logs; {@code budget} and {@code minFree} are in bytes. */
  Evictor(String storeName, ChunkTable table, Backing backing, StoreCounters counters, long budget, long minFree) {
    this.storeName = storeName;
    this.table = table;
    this.backing = backing;
    this.counters = counters;
    this.budget = budget;
    this.minFree = minFree;
  }

  void addListener(EvictionListener listener) {
    listeners.add(listener);
  }

  long budget() {
    return budget;
  }

  /** Evicts so that {@code incoming} more bytes fit within the budget and above the free-space reserve. */
  GcReport makeRoom(long incoming) throws IOException {
    long overBudget = table.bytes() + incoming - budget;
    long underReserve = minFree + incoming - backing.freeBytes();
    long wanted = Math.max(overBudget, underReserve);
    if (wanted <= 0) {
      return report(0, 0);
    }
    long slack = budget == StoreConfig.UNLIMITED || table.count() < SLACK_MIN_CHUNKS ? 0 : budget / SLACK_DIVISOR;
    return evict(wanted + slack, "to fit " + incoming + " more bytes in budget " + budget + " with " + minFree + " bytes kept free");
  }

  /** After a write failed for lack of space: frees at least {@code needed} bytes more than are free now. */
  GcReport afterDiskFull(long needed) throws IOException {
    long wanted = Math.max(needed, minFree + needed - backing.freeBytes());
    return evict(wanted, "after the disk filled up");
  }

  /** Evicts until at most {@code targetBytes} are stored. */
  GcReport evictTo(long targetBytes) throws IOException {
    long wanted = table.bytes() - targetBytes;
    return wanted <= 0 ? report(0, 0) : evict(wanted, "to shrink to " + targetBytes + " bytes");
  }

  /** Deletes one chunk that is already out of the table (found missing, say) and tells the listeners. */
  void dropped(Digest digest, long size) throws IOException {
    backing.delete(digest);
    notifyListeners(digest, size);
  }

  private GcReport evict(long wanted, String why) throws IOException {
    List<ChunkTable.Victim> victims = table.takeVictims(wanted);
    long freed = 0;
    for (ChunkTable.Victim v : victims) {
      try {
        dropped(v.digest(), v.size());
      } catch (IOException e) {
        // The chunk is out of the table already; the next open drops what is left of it.
        log.warn("{}: eviction of chunk {} incomplete: {}", storeName, v.digest(), e.getMessage());
      }
      counters.evicted();
      freed += v.size();
    }
    if (!victims.isEmpty()) {
      log.info("{}: evicted {} chunks ({} bytes) {}; {} bytes stored", storeName, victims.size(),
          freed, why, table.bytes());
    } else if (wanted > 0) {
      log.warn("{}: wanted to evict {} bytes {} but every stored chunk is pinned", storeName,
          wanted, why);
    }
    return report(victims.size(), freed);
  }

  /** Tells the listeners that a chunk is gone (its bytes were dealt with by the caller). */
  void notifyListeners(Digest digest, long size) {
    for (EvictionListener l : listeners) {
      try {
        l.evicted(digest, size);
      } catch (RuntimeException e) {
        log.warn("{}: eviction listener {} failed on chunk {}: {}", storeName, l, digest, e.toString());
      }
    }
  }

  private GcReport report(long chunks, long bytes) {
    return new GcReport(chunks, bytes, table.count(), table.bytes());
  }
}
