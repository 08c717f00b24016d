package io.modelfs.fuse;

/**
 * A filesystem operation failed with {@link #errno()}. The message names the path and the
 * reason, for logs; the kernel only sees the errno.
 */
final class FsException extends Exception {
  private final Errno errno;

  FsException(Errno errno, String message) {
    super(message);
    this.errno = errno;
  }

  FsException(Errno errno, String message, Throwable cause) {
    super(message, cause);
    this.errno = errno;
  }

  Errno errno() {
    return errno;
  }
}
