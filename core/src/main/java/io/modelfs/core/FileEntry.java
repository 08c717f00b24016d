package io.modelfs.core;

import java.util.List;

/**
 * One regular file of a model: its relative path, size, permission bits and the digests of its
 * chunks. Chunk {@code i} covers bytes {@code [i * chunkSize, min(size, (i + 1) * chunkSize))}.
 */
public record FileEntry(String path, long size, int mode, List<Digest> chunks) {
  public FileEntry {
    ModelPaths.validate(path);
    if (size < 0) {
      throw new IllegalArgumentException("file '" + path + "' has negative size " + size);
    }
    if ((mode & ~07777) != 0) {
      throw new IllegalArgumentException("file '" + path + "' has mode " + Integer.toOctalString(mode) + " beyond permission bits");
    }
    chunks = List.copyOf(chunks);
  }

  /** The number of chunks a file of {@code size} bytes has with {@code chunkSize}. */
  public static long chunkCount(long size, int chunkSize) {
    return (size + chunkSize - 1) / chunkSize;
  }

  /** The chunk of index {@code i} as the store knows it. */
  public ChunkRef chunk(int i, int chunkSize) {
    long start = (long) i * chunkSize;
    return new ChunkRef(chunks.get(i), (int) Math.min(chunkSize, size - start));
  }
}
