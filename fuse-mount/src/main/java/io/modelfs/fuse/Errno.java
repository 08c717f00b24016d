package io.modelfs.fuse;

/**
 * The POSIX errors {@link ModelFileSystem} can answer with. Symbolic, not numeric: the adapter
 * turns them into the platform's {@code -errno} values in one place ({@link FuseAdapter}).
 */
enum Errno {
  /** No such model, directory or file. */
  ENOENT,
  /** A path goes through a file as if it were a directory. */
  ENOTDIR,
  /** A file operation on a directory. */
  EISDIR,
  /** Any attempt to change the filesystem: models are immutable. */
  EROFS,
  /** The catalog or the chunk source failed; the log says why. */
  EIO,
  /** An argument that makes no sense, such as readlink of a regular file. */
  EINVAL,
  /** Access the filesystem refuses. */
  EACCES,
  /** A file handle that is not open. */
  EBADF,
  /** No extended attribute of that name. */
  ENODATA,
  /** The caller's buffer is too small for the answer (getxattr, listxattr). */
  ERANGE
}
