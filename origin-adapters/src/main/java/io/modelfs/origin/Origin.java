package io.modelfs.origin;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.WritableByteChannel;
import java.util.List;

/**
 * A place model bytes come from: a directory of objects under one base URI (a local or NFS
 * directory, a bucket prefix, an HTTPS folder). Paths are relative to the base, '/'-separated
 * and validated with {@link io.modelfs.core.ModelPaths}.
 *
 * <p>Thread-safety: implementations must allow concurrent calls from many threads.
 *
 * <p>Error contract: every failure is an {@link OriginException} carrying the object's URI:
 * {@link OriginException.NotFound} when the object does not exist, {@link
 * OriginException.AccessDenied} when credentials do not allow the call, {@link
 * OriginException.Changed} when the object's version differs from the one asked for (checked
 * with a conditional request where the store has them: If-Match on the ETag, generation match),
 * {@link OriginException.Throttled} when the store asks to slow down (503 SlowDown, 429), {@link
 * OriginException.Transient} for other failures worth retrying (I/O errors, time-outs, 5xx, a
 * body cut off mid-stream), {@link OriginException.Permanent} for the rest (bad request, a
 * read-only origin asked to store). Messages name the URI, never a credential.
 *
 * <p>A failed {@code read} may already have written a prefix of the range to the sink; callers
 * that retry must resume after what they received (as {@link RetryingOrigin} does) or start over
 * with a fresh sink.
 */
public interface Origin extends AutoCloseable {

  /** The base URI, ending in '/'. */
  URI uri();

  /**
   * Every object below the base, recursively, sorted by path; the folder {@code .modelfs/} at
   * the base (where import writes manifests) is left out.
   */
  List<ObjectInfo> list() throws IOException;

  /** Size, mode and current version of one object. */
  ObjectInfo stat(String path) throws IOException;

  /**
   * Writes bytes {@code [offset, offset + length)} of object {@code path} to {@code sink}.
   *
   * @param expectedVersion the version recorded at import; the read fails with {@link
   *     OriginException.Changed} rather than return bytes of another version. {@code null}
   *     skips the check.
   */
  void read(String path, String expectedVersion, long offset, long length, WritableByteChannel sink)
      throws IOException;

  /** The whole of a small object (a manifest), refusing one larger than {@code maxBytes}. */
  byte[] readAll(String path, int maxBytes) throws IOException;

  /** Stores a small object atomically (readers see the old bytes or the new, never a part). */
  void put(String path, byte[] bytes) throws IOException;

  @Override
  default void close() throws IOException {}
}
