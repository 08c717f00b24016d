package io.modelfs.fuse;

/**
 * Told about every filesystem callback the mount answers, for metrics: the operation
 * ({@code getattr}, {@code read}, ...), {@code null} on success or the errno's name
 * ({@code ENOENT}, {@code EIO}, ...), and how long it took. Called on libfuse's threads: it must
 * not block and must not throw (a throw is logged and ignored).
 */
@FunctionalInterface
public interface FuseListener {
  FuseListener NONE = (op, error, nanos) -> {};

  void completed(String op, String error, long nanos);
}
