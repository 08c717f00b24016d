package io.modelfs.store;

import io.modelfs.core.Digest;
import io.modelfs.store.ChunkStore.StoredChunk;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The published chunks in memory: size and last access of each, the pin counts, and the total
 * size. Lookups and access-time updates take no lock (reads are the hot path); pinning and
 * choosing eviction victims share one lock, so a chunk pinned before a victim is chosen is
 * never chosen. The durable copy is the {@link ChunkIndex}; a table that records accesses keeps
 * the set of chunks whose access time changed since it was last taken, for {@link AccessFlusher}.
 */
final class ChunkTable {

  /** One published chunk. {@code lastAccess} is written by readers without a lock. */
  static final class Resident {
    final long size;
    volatile long lastAccess;
    /** Set at open when the chunk's file was found ({@link Reconciler}); costs no space (padding). */
    boolean confirmed;

    Resident(long size, long lastAccess) {
      this.size = size;
      this.lastAccess = lastAccess;
    }
  }

  /** A chunk removed from the table to be deleted. */
  record Victim(Digest digest, long size) {}

  /** A chunk's size and last access, as taken for the index. */
  record Access(long size, long lastAccessMillis) {}

  private final Map<Digest, Resident> residents;
  private final Map<Digest, Integer> pins = new HashMap<>();
  private final AtomicLong bytes = new AtomicLong();
  private final Set<Digest> unsaved;

  /** A table that records which access times changed (for a store with an index) or not. */
  ChunkTable(boolean recordAccesses) {
    this(recordAccesses, 16);
  }

  /** As {@link #ChunkTable(boolean)}, sized for about {@code expected} chunks (an open knows how many to load). */
  ChunkTable(boolean recordAccesses, long expected) {
    this.residents = new ConcurrentHashMap<>((int) Math.min(Math.max(expected, 16), 1 << 28));
    this.unsaved = recordAccesses ? ConcurrentHashMap.newKeySet() : null;
  }

  /** At open: true (and marks the chunk found) if the table holds {@code digest} with {@code size}. */
  boolean confirm(Digest digest, long size) {
    Resident r = residents.get(digest);
    if (r == null || r.size != size) {
      return false;
    }
    r.confirmed = true;
    return true;
  }

  /** At open: removes the chunks {@link #confirm} did not find and returns their digests. */
  synchronized List<Digest> removeUnconfirmed() {
    List<Digest> gone = new ArrayList<>();
    for (Iterator<Map.Entry<Digest, Resident>> it = residents.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Digest, Resident> e = it.next();
      if (!e.getValue().confirmed) {
        it.remove();
        bytes.addAndGet(-e.getValue().size);
        gone.add(e.getKey());
      }
    }
    return gone;
  }

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
      if (unsaved != null) {
        unsaved.add(digest);
      }
    }
  }

  /** How many chunks have an access time not yet taken by {@link #takeUnsavedAccesses()}. */
  int unsavedCount() {
    return unsaved == null ? 0 : unsaved.size();
  }

  /** Pins {@code digests} until the returned pin is closed (once; closing again does nothing). */
  ChunkStore.Pin pinUntilClosed(Collection<Digest> digests) {
    List<Digest> held = List.copyOf(digests);
    pin(held);
    java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);
    return () -> {
      if (open.getAndSet(false)) {
        unpin(held);
      }
    };
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

  /**
   * The chunks whose access time changed since the last call, with their current access time,
   * forgetting them. A chunk touched during the call is either in the result with its new time
   * or stays unsaved for the next call; chunks removed meanwhile are left out.
   */
  Map<Digest, Access> takeUnsavedAccesses() {
    Map<Digest, Access> taken = new HashMap<>();
    if (unsaved == null) {
      return taken;
    }
    for (Iterator<Digest> it = unsaved.iterator(); it.hasNext(); ) {
      Digest d = it.next();
      it.remove();
      Resident r = residents.get(d);
      if (r != null) {
        taken.put(d, new Access(r.size, r.lastAccess));
      }
    }
    return taken;
  }

  /** Marks access times as unsaved again (their write to the index failed). */
  void markUnsaved(Collection<Digest> digests) {
    if (unsaved != null) {
      unsaved.addAll(digests);
    }
  }

  /** A snapshot of the digests and sizes of all chunks. */
  Map<Digest, Long> sizes() {
    Map<Digest, Long> all = new HashMap<>();
    residents.forEach((d, r) -> all.put(d, r.size));
    return all;
  }
}
