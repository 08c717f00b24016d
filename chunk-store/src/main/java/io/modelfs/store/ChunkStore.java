package io.modelfs.store;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * The node's content-addressed chunk store. A chunk is <em>published</em> only after its bytes
 * hashed to its digest while they streamed in; published chunks are read without re-hashing.
 *
 * <p>Thread-safety: every method may be called from any thread. Concurrent {@link #ensure}
 * calls for the same digest share one load (single-flight): the loader runs once and every
 * caller's future completes with the same outcome.
 *
 * <p>Error contract: {@link #read} throws {@link ChunkNotFoundException} for a chunk that is not
 * published; {@link #ensure} completes exceptionally with {@link ChunkVerificationException}
 * when the loaded bytes do not match (nothing is published), or with the loader's own
 * exception.
 */
public interface ChunkStore extends AutoCloseable {

  /** True if the chunk is published. */
  boolean contains(Digest digest);

  /**
   * Copies bytes of a published chunk, starting at {@code offset} within it, into {@code dst}
   * until {@code dst} is full or the chunk ends. Returns the number of bytes copied (0 at or
   * past the end of the chunk).
   */
  int read(Digest digest, long offset, ByteBuffer dst) throws IOException;

  /**
   * Makes the chunk local: completes at once if it is published, otherwise queues
   * {@code loader} at {@code priority} (or joins a load already queued or running, promoting it
   * if {@code priority} is more urgent) and completes when the chunk is published.
   *
   * @param source names where the loader gets the bytes, for errors and logs (e.g. "origin
   *     s3://bucket/model/" or "peer node-7")
   */
  CompletableFuture<Void> ensure(ChunkRef chunk, Priority priority, String source, ChunkLoader loader);

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

  /** Published chunks and their total size, and outcomes of loads since start. */
  record StoreStats(long chunks, long bytes, long loads, long loadFailures, long verificationFailures) {}
}
