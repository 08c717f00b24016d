package io.modelfs.core;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a model contains: name, chunk size and files. Content only — where the bytes live is in
 * {@link Sources}. The constructor enforces every invariant a reader relies on, so a
 * {@code Manifest} that exists is safe to serve: valid unique paths sorted, no file that is also
 * a directory, and the right number of chunks per file.
 */
public record Manifest(int formatVersion, String name, int chunkSize, List<FileEntry> files) {
  public static final int FORMAT_VERSION = 1;
  public static final int DEFAULT_CHUNK_SIZE = 8 << 20;
  public static final int MIN_CHUNK_SIZE = 4 << 10;
  public static final int MAX_CHUNK_SIZE = 1 << 30;

  public Manifest {
    if (formatVersion != FORMAT_VERSION) {
      throw new IllegalArgumentException(
          "manifest format version " + formatVersion + " is not supported (this modelfs reads version " + FORMAT_VERSION + ")");
    }
    ModelRef.checkName(name);
    if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
      throw new IllegalArgumentException(
          "chunk size " + chunkSize + " is outside " + MIN_CHUNK_SIZE + ".." + MAX_CHUNK_SIZE);
    }
    files = List.copyOf(files);
    Set<String> paths = new HashSet<>();
    Set<String> dirs = new HashSet<>();
    String previous = null;
    for (FileEntry f : files) {
      if (!paths.add(f.path())) {
        throw new IllegalArgumentException("duplicate path '" + f.path() + "' in manifest of " + name);
      }
      if (previous != null && previous.compareTo(f.path()) > 0) {
        throw new IllegalArgumentException("manifest of " + name + " is not sorted by path at '" + f.path() + "'");
      }
      previous = f.path();
      long expected = FileEntry.chunkCount(f.size(), chunkSize);
      if (f.chunks().size() != expected) {
        throw new IllegalArgumentException("file '" + f.path() + "' of " + f.size() + " bytes needs " + expected
            + " chunks of " + chunkSize + " bytes, manifest lists " + f.chunks().size());
      }
      String p = f.path();
      for (int slash = p.indexOf('/'); slash >= 0; slash = p.indexOf('/', slash + 1)) {
        dirs.add(p.substring(0, slash));
      }
    }
    for (String d : dirs) {
      if (paths.contains(d)) {
        throw new IllegalArgumentException("'" + d + "' is both a file and a directory in manifest of " + name);
      }
    }
  }

  public static Manifest of(String name, int chunkSize, List<FileEntry> files) {
    return new Manifest(FORMAT_VERSION, name, chunkSize, files);
  }

  public long totalBytes() {
    return files.stream().mapToLong(FileEntry::size).sum();
  }

  public long totalChunks() {
    return files.stream().mapToLong(f -> f.chunks().size()).sum();
  }
}
