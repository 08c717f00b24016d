package io.modelfs.fuse;

/**
 * What {@code statfs} shows: the models opened so far, counted in 4 KiB blocks, with nothing
 * free (the mount is read-only).
 */
record FsStats(int blockSize, long blocks, long files, int maxNameLength) {
  static final int BLOCK_SIZE = 4096;
}
