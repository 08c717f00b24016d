package io.modelfs.store;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of a {@link FileChunkStore}. Start from {@link #at(Path)} for the defaults and
 * change what differs with the {@code with...} methods.
 *
 * @param root directory holding {@code chunks/}, {@code staging/} and {@code index/}
 * @param fetchThreads how many loads run at once; more urgent loads wait for a free thread
 * @param fsync whether a staged chunk is forced to disk before it is published (and index
 *     writes are synced), so that a published chunk survives a power loss (turn off only for
 *     tests and scratch stores; a process crash loses nothing either way)
 * @param openFiles how many chunk files {@link ChunkStore#read} keeps open between reads
 * @param budgetBytes most bytes of chunks kept; beyond it unpinned chunks are evicted
 * @param minFreeBytes free space kept on the store's filesystem; below it unpinned chunks are
 *     evicted too
 */
public record StoreConfig(Path root, int fetchThreads, boolean fsync, int openFiles, long budgetBytes,
    long minFreeBytes) {
  public static final int DEFAULT_FETCH_THREADS = 8;
  public static final int DEFAULT_OPEN_FILES = 256;
  public static final long UNLIMITED = Long.MAX_VALUE;
  public static final long DEFAULT_MIN_FREE_BYTES = 1L << 30;

  public StoreConfig {
    Objects.requireNonNull(root, "chunk store root is null");
    if (fetchThreads < 1) {
      throw new IllegalArgumentException("chunk store at " + root + ": fetch threads must be at least 1, got " + fetchThreads);
    }
    if (openFiles < 1) {
      throw new IllegalArgumentException("chunk store at " + root + ": open files must be at least 1, got " + openFiles);
    }
    if (budgetBytes < 1) {
      throw new IllegalArgumentException("chunk store at " + root + ": budget must be at least 1 byte, got " + budgetBytes);
    }
    if (minFreeBytes < 0) {
      throw new IllegalArgumentException("chunk store at " + root + ": minimum free space must not be negative, got " + minFreeBytes);
    }
  }

  /**
   * The defaults: {@value #DEFAULT_FETCH_THREADS} fetch threads, fsync on,
   * {@value #DEFAULT_OPEN_FILES} open files, no budget, 1 GiB kept free.
   */
  public static StoreConfig at(Path root) {
    return new StoreConfig(root, DEFAULT_FETCH_THREADS, true, DEFAULT_OPEN_FILES, UNLIMITED, DEFAULT_MIN_FREE_BYTES);
  }

  public StoreConfig withFetchThreads(int fetchThreads) {
    return new StoreConfig(root, fetchThreads, fsync, openFiles, budgetBytes, minFreeBytes);
  }

  public StoreConfig withFsync(boolean fsync) {
    return new StoreConfig(root, fetchThreads, fsync, openFiles, budgetBytes, minFreeBytes);
  }

  public StoreConfig withOpenFiles(int openFiles) {
    return new StoreConfig(root, fetchThreads, fsync, openFiles, budgetBytes, minFreeBytes);
  }

  public StoreConfig withBudgetBytes(long budgetBytes) {
    return new StoreConfig(root, fetchThreads, fsync, openFiles, budgetBytes, minFreeBytes);
  }

  public StoreConfig withMinFreeBytes(long minFreeBytes) {
    return new StoreConfig(root, fetchThreads, fsync, openFiles, budgetBytes, minFreeBytes);
  }
}
