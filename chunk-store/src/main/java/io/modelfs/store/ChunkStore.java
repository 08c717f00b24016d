package io.modelfs.store;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The node's content-addressed chunk store. A chunk is <em>published</em> only after its bytes
 * hashed to its digest while they streamed in; published chunks are read without re-hashing.
 * The store stays inside a byte budget by evicting the least recently used chunks that are not
 * pinned, and tells {@link EvictionListener}s about every chunk it drops.
 *
 * <p>Thread-safety: every method may be called from any thread. Concurrent {@link #ensure}
 * calls for the same digest share one load (single-flight): the loader runs once and every
 * caller's future completes with the same outcome.
 *
 * <p>Error contract: {@link #read} throws {@link ChunkNotFoundException} for a chunk that is not
 * published; {@link #ensure} completes exceptionally with {@link ChunkVerificationException}
 * when the loaded bytes do not match (nothing is published), with {@link StoreFullException}
 * when the disk filled up (eviction has run; a retry may succeed), or with the loader's own
 * exception. Nothing already stored is damaged by a failed load.
 */
public interface ChunkStore extends AutoCloseable {

  /** True if the chunk is published. */
  boolean contains(Digest digest);

  /**
   * Copies bytes of a published chunk, starting at {@code offset} within it, into {@code dst}
   * until {@code dst} is full or the chunk ends. Returns the number of bytes copied (0 at or
   * past the end of the chunk). Marks the chunk as recently used.
   */
  int read(Digest digest, long offset, ByteBuffer dst) throws IOException;

  /**
   * A hint that a published chunk will be read soon (a sequential reader is coming): the store
   * may bring its bytes nearer (the file store reads its file into the page cache in the
   * background). Returns at once; does nothing for a chunk it does not hold.
   */
  default void willRead(Digest digest) {}

  /**
   * Makes the chunk local: completes at once if it is published, otherwise queues
   * {@code loader} at {@code priority} (or joins a load already queued or running, promoting it
   * if {@code priority} is more urgent) and completes when the chunk is published.
   *
   * @param source names where the loader gets the bytes, for errors and logs (e.g. "origin
   *     s3://bucket/model/" or "peer node-7")
   */
  CompletableFuture<Void> ensure(ChunkRef chunk, Priority priority, String source, ChunkLoader loader);

  /**
   * Keeps the chunks (published now or later) from being evicted until the returned pin is
   * closed. For the chunks of a model being read or pulled. Pins nest: a chunk stays pinned
   * while any pin holds it. Not persisted.
   */
  Pin pin(Collection<Digest> digests);

  /**
   * Keeps the chunks resident under {@code name} (e.g. a model ref) until {@link #unpin(String)},
   * across restarts. Replaces the chunks of an earlier pin with the same name.
   */
  void pin(String name, Collection<Digest> digests) throws IOException;

  /** Drops the named pin; returns false if there was none. */
  boolean unpin(String name) throws IOException;

  /** The named pins and their chunks. */
  Map<String, Set<Digest>> namedPins();

  /** Registers a listener told about every chunk removed by eviction, gc or verify. */
  void addEvictionListener(EvictionListener listener);

  /** Every published chunk, least recently used first. */
  List<StoredChunk> list();

  /**
   * Evicts unpinned chunks, least recently used first, until at most {@code targetBytes} are
   * stored (or only pinned chunks remain). Reports what was freed.
   */
  GcReport gc(long targetBytes) throws IOException;

  /**
   * Re-hashes the published chunks among {@code digests} (all of them if empty). A chunk whose
   * file no longer matches its digest is moved to quarantine, dropped from the store (so the
   * next read fetches it again) and reported.
   */
  VerifyReport verify(Collection<Digest> digests) throws IOException;

  /** Counts for status output and metrics. */
  StoreStats stats();

  /** Stops the fetch threads; pending ensures fail. */
  @Override
  void close() throws IOException;

  /** How urgently a chunk is wanted; a lower ordinal is served first. */
  enum Priority {
    /** A process is blocked reading it. */
    FOREGROUND,
    /** A sequential reader will want it soon. */
    READAHEAD,
    /** {@code modelfs pull} and background prefetch. */
    PREFETCH
  }

  /** A hold on chunks against eviction; closing it twice is harmless. */
  interface Pin extends AutoCloseable {
    @Override
    void close();
  }

  /** Told about chunks the store no longer holds; called on the thread that removed them, must not block. */
  @FunctionalInterface
  interface EvictionListener {
    void evicted(Digest digest, long size);
  }

  /**
   * Published chunks and their total size; the budget (0: none); and counts since open: loads (every
   * loader run) ending as load failures or verification failures (bytes that did not match
   * on the way in, or corrupt files found by {@link #verify}); hits (a {@code contains} or
   * {@code ensure} that found the chunk published) and misses (an {@code ensure} that had to
   * load); bytes published and bytes read; chunks evicted; of the bytes read, those served from
   * the memory chunks were loaded into (see {@link StoreConfig#memoryBytes()}).
   */
  record StoreStats(long chunks, long bytes, long budgetBytes, long loads, long loadFailures,
      long verificationFailures, long hits, long misses, long bytesIn, long bytesOut, long evictions,
      long bytesOutOfMemory) {}

  /** One published chunk as {@link #list()} reports it; {@code pins} counts named and open pins. */
  record StoredChunk(Digest digest, long size, long lastAccessMillis, int pins) {}

  /** What {@link #gc} freed and what remains. */
  record GcReport(long chunksEvicted, long bytesFreed, long chunksLeft, long bytesLeft) {}

  /** What {@link #verify} checked and the chunks it found corrupt (now quarantined). */
  record VerifyReport(long chunksChecked, long bytesChecked, List<Digest> corrupt) {}
}
