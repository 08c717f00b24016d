package io.modelfs.fuse;

import java.time.Instant;

/**
 * What {@code stat} shows for a path of the mount. Owner and group are always root; nothing
 * here ever changes for a given inode, which is what lets the kernel cache it for long.
 *
 * @param mode file type bits ({@link #S_IFDIR}, {@link #S_IFREG} or {@link #S_IFLNK}) and permission bits
 * @param links the link count: 1 for files, 2 plus subdirectories for directories
 * @param time mtime and ctime: when the model was first opened on this mount
 */
record Attributes(long inode, int mode, long size, int links, Instant time) {
  static final int S_IFDIR = 0040000;
  static final int S_IFREG = 0100000;
  static final int S_IFLNK = 0120000;
  static final int DIRECTORY_PERMISSIONS = 0555;

  boolean isDirectory() {
    return (mode & 0170000) == S_IFDIR;
  }

  int permissions() {
    return mode & 07777;
  }
}
