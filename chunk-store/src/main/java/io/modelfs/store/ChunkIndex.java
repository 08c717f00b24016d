package io.modelfs.store;

import io.modelfs.core.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The durable record of what the store holds: digest to size and last access, and the named
 * pins. A chunk's file lives at a path derived from its digest ({@link StoreLayout}), so the
 * location needs no column; an entry exists only for a published chunk (staging loads are not
 * indexed), so there is no state column either. The files stay the truth about bytes: at open
 * {@link Reconciler} makes the two agree.
 *
 * <p>Error contract: every method throws {@link IOException} naming the index and the
 * operation when the database fails. Thread-safe.
 */
interface ChunkIndex extends Closeable {

  /** What the index keeps per chunk. */
  record Entry(long size, long lastAccessMillis) {}

  void forEach(BiConsumer<Digest, Entry> action) throws IOException;

  Optional<Entry> get(Digest digest) throws IOException;

  void put(Digest digest, Entry entry) throws IOException;

  /** Writes many entries in one batch (access times flushed at close). */
  void putAll(Map<Digest, Entry> entries) throws IOException;

  void remove(Digest digest) throws IOException;

  Map<String, Set<Digest>> pins() throws IOException;

  void putPin(String name, Set<Digest> digests) throws IOException;

  void removePin(String name) throws IOException;

  /** Deletes the entries of {@code digests} in one batch. */
  void removeAll(Collection<Digest> digests) throws IOException;
}
