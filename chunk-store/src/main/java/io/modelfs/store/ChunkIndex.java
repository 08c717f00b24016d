package io.modelfs.store;

import io.modelfs.core.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The durable record of what the store holds: per chunk its state, where its bytes are (a path
 * relative to the store's root), its size and last access; and the named pins, from which each
 * chunk's persistent pin count is derived at open. The files stay the truth about bytes: at open
 * {@link Reconciler} makes the two agree.
 *
 * <p>Error contract: every method throws {@link IOException} naming the index and the
 * operation when the database fails or holds an entry it cannot read. Thread-safe.
 */
interface ChunkIndex extends Closeable {

  /** Where a chunk stands. Only {@link #PUBLISHED} chunks are served. */
  enum State {
    /** Verified and renamed into {@code chunks/}; served. */
    PUBLISHED,
    /** Found corrupt by {@code verify} and moved to {@code quarantine/}; not served, fetched again on the next read. */
    QUARANTINED
  }

  /**
   * What the index keeps per chunk.
   *
   * @param location the chunk's file relative to the store's root ({@code chunks/ab/ab…} when
   *     published, {@code quarantine/ab….<millis>} when quarantined)
   */
  record Entry(State state, String location, long size, long lastAccessMillis) {
    public Entry {
      Objects.requireNonNull(state, "chunk state is null");
      Objects.requireNonNull(location, "chunk location is null");
      if (location.isEmpty() || size < 0) {
        throw new IllegalArgumentException("bad index entry: location '" + location + "', size " + size);
      }
    }

    /** A published chunk at its place under {@code chunks/}. */
    static Entry published(Digest digest, long size, long lastAccessMillis) {
      return new Entry(State.PUBLISHED, StoreLayout.chunkLocation(digest), size, lastAccessMillis);
    }
  }

  /** Calls {@code action} with every chunk entry, in digest order. */
  void forEach(BiConsumer<Digest, Entry> action) throws IOException;

  Optional<Entry> get(Digest digest) throws IOException;

  /** About how many chunk entries there are (for sizing the table at open); 0 if unknown. */
  long estimatedEntries();

  void put(Digest digest, Entry entry) throws IOException;

  /** Writes many entries in one batch (access times flushed in the background and at close). */
  void putAll(Map<Digest, Entry> entries) throws IOException;

  void remove(Digest digest) throws IOException;

  Map<String, Set<Digest>> pins() throws IOException;

  void putPin(String name, Set<Digest> digests) throws IOException;

  void removePin(String name) throws IOException;

  /** Deletes the entries of {@code digests} in one batch. */
  void removeAll(Collection<Digest> digests) throws IOException;
}
