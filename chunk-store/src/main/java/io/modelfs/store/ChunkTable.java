package io.modelfs.store;

import io.modelfs.core.Digest;
import io.modelfs.store.ChunkStore.StoredChunk;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The published chunks in memory: size and last access of each, the pin counts, and the total
 * size. Lookups and access-time updates take no lock (reads are the hot path); pinning and
 * choosing eviction victims share one lock, so a chunk pinned before a victim is chosen is
 * never chosen. The durable copy is the {@link ChunkIndex}.
 */
final class ChunkTable {

  /** One published chunk. {@code lastAccess} is written by readers without a lock. */
  static final class Resident {
    final long size;
    volatile long lastAccess;
    volatile boolean accessUnsaved;

    Resident(long size, long lastAccess) {
      this.size = size;
      this.lastAccess = lastAccess;
    }
  }

  /** A chunk removed from the table to be deleted. */
  record Victim(Digest digest, long size) {}

  private final Map<Digest, Resident> residents = new ConcurrentHashMap<>();
  private final Map<Digest, Integer> pins = new HashMap<>();
  private final AtomicLong bytes = new AtomicLong();

  boolean contains(Digest digest) {
    return residents.containsKey(digest);
  }

  long bytes() {
    return bytes.get();
  }

  long count() {
    return residents.size();
  }

  /** Adds a published chunk; returns false if it was already there. */
  boolean add(Digest digest, long size, long lastAccess) {
    if (residents.putIfAbsent(digest, new Resident(size, lastAccess)) != null) {
      return false;
    }
    bytes.addAndGet(size);
    return true;
  }

  /** Removes a chunk (found missing or corrupt); returns it or null. */
  synchronized Resident remove(Digest digest) {
    Resident r = residents.remove(digest);
    if (r != null) {
      bytes.addAndGet(-r.size);
    }
    return r;
  }

  void touch(Digest digest, long now) {
    Resident r = residents.get(digest);
    if (r != null && r.lastAccess != now) {
      r.lastAccess = now;
      r.accessUnsaved = true;
    }
  }

  synchronized void pin(Collection<Digest> digests) {
    for (Digest d : digests) {
      pins.merge(d, 1, Integer::sum);
    }
  }

  synchronized void unpin(Collection<Digest> digests) {
    for (Digest d : digests) {
      pins.computeIfPresent(d, (k, n) -> n == 1 ? null : n - 1);
    }
  }

  synchronized int pins(Digest digest) {
    return pins.getOrDefault(digest, 0);
  }

  /**
   * Removes unpinned chunks, least recently used first, until at least {@code wanted} bytes
   * are chosen or none are left, and returns them for the caller to delete.
   */
  synchronized List<Victim> takeVictims(long wanted) {
    List<Map.Entry<Digest, Resident>> candidates = new ArrayList<>();
    for (Map.Entry<Digest, Resident> e : residents.entrySet()) {
      if (!pins.containsKey(e.getKey())) {
        candidates.add(e);
      }
    }
    candidates.sort(Comparator.comparingLong(e -> e.getValue().lastAccess));
    List<Victim> victims = new ArrayList<>();
    long chosen = 0;
    for (Map.Entry<Digest, Resident> e : candidates) {
      if (chosen >= wanted) {
        break;
      }
      residents.remove(e.getKey());
      bytes.addAndGet(-e.getValue().size);
      victims.add(new Victim(e.getKey(), e.getValue().size));
      chosen += e.getValue().size;
    }
    return victims;
  }

  /** Every chunk with its pin count, least recently used first. */
  synchronized List<StoredChunk> list() {
    List<StoredChunk> all = new ArrayList<>(residents.size());
    residents.forEach((d, r) -> all.add(new StoredChunk(d, r.size, r.lastAccess, pins.getOrDefault(d, 0))));
    all.sort(Comparator.comparingLong(StoredChunk::lastAccessMillis));
    return all;
  }

  /** The access times not yet written to the index, marking them written. */
  Map<Digest, ChunkIndex.Entry> takeUnsavedAccesses() {
    Map<Digest, ChunkIndex.Entry> unsaved = new HashMap<>();
    residents.forEach((d, r) -> {
      if (r.accessUnsaved) {
        r.accessUnsaved = false;
        unsaved.put(d, new ChunkIndex.Entry(r.size, r.lastAccess));
      }
    });
    return unsaved;
  }

  /** A snapshot of the digests and sizes of all chunks. */
  Map<Digest, Long> sizes() {
    Map<Digest, Long> all = new HashMap<>();
    residents.forEach((d, r) -> all.put(d, r.size));
    return all;
  }
}
