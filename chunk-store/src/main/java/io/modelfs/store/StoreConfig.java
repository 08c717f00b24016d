package io.modelfs.store;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of a {@link FileChunkStore}. Start from {@link #at(Path)} for the defaults and
 * change what differs with the {@code with...} methods.
 *
 * @param root directory holding {@code chunks/} and {@code staging/}
 * @param fetchThreads how many loads run at once; more urgent loads wait for a free thread
 * @param fsync whether a staged chunk is forced to disk before it is published, so that a
 *     published chunk survives a power loss (turn off only for tests and scratch stores)
 * @param openFiles how many chunk files {@link ChunkStore#read} keeps open between reads
 */
public record StoreConfig(Path root, int fetchThreads, boolean fsync, int openFiles) {
  public static final int DEFAULT_FETCH_THREADS = 8;
  public static final int DEFAULT_OPEN_FILES = 256;

  public StoreConfig {
    Objects.requireNonNull(root, "chunk store root is null");
    if (fetchThreads < 1) {
      throw new IllegalArgumentException("chunk store at " + root + ": fetch threads must be at least 1, got " + fetchThreads);
    }
    if (openFiles < 1) {
      throw new IllegalArgumentException("chunk store at " + root + ": open files must be at least 1, got " + openFiles);
    }
  }

  /** The defaults: {@value #DEFAULT_FETCH_THREADS} fetch threads, fsync on, {@value #DEFAULT_OPEN_FILES} open files. */
  public static StoreConfig at(Path root) {
    return new StoreConfig(root, DEFAULT_FETCH_THREADS, true, DEFAULT_OPEN_FILES);
  }

  public StoreConfig withFetchThreads(int fetchThreads) {
    return new StoreConfig(root, fetchThreads, fsync, openFiles);
  }

  public StoreConfig withFsync(boolean fsync) {
    return new StoreConfig(root, fetchThreads, fsync, openFiles);
  }

  public StoreConfig withOpenFiles(int openFiles) {
    return new StoreConfig(root, fetchThreads, fsync, openFiles);
  }
}
