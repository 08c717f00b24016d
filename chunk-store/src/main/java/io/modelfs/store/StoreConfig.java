package io.modelfs.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link FileChunkStore}. Start from {@link #at(Path)} for the defaults and
 * change what differs with the {@code with...} methods.
 *
 * @param root directory holding {@code chunks/}, {@code staging/} and {@code index/}
 * @param fetchThreads how many loads run at once; more urgent loads wait for a free thread
 * @param fsync whether a published chunk's file is forced to disk before its index entry is
 *     written (in the background, after the chunk is already served) and index writes are
 *     synced, so that an indexed chunk survives a power loss and an unindexed one is re-hashed
 *     at the next open (turn off only for tests and scratch stores; a process crash loses
 *     nothing either way)
 * @param openFiles how many chunk files {@link ChunkStore#read} keeps open between reads
 * @param budgetBytes most bytes of chunks kept; beyond it unpinned chunks are evicted
 * @param minFreeBytes free space kept on the store's filesystem; below it unpinned chunks are
 *     evicted too
 * @param accessFlushInterval how often changed access times are written to the index (also
 *     sooner, every {@value #ACCESS_FLUSH_BATCH} changed chunks, and at close): after a crash the
 *     least-recently-used order is at most this old
 * @param memoryBytes most bytes of memory that chunks are loaded into and, once stored, read from
 *     while they last ({@link ChunkMemory}; their files are then written with {@code O_DIRECT},
 *     past the page cache); 0 turns it off, and so does a filesystem without {@code O_DIRECT}
 */
public record StoreConfig(Path root, int fetchThreads, boolean fsync, int openFiles, long budgetBytes,
    long minFreeBytes, Duration accessFlushInterval, long memoryBytes) {
  public static final int DEFAULT_FETCH_THREADS = 8;
  public static final int DEFAULT_OPEN_FILES = 256;
  public static final long UNLIMITED = Long.MAX_VALUE;
  public static final long DEFAULT_MIN_FREE_BYTES = 1L << 30;
  public static final Duration DEFAULT_ACCESS_FLUSH_INTERVAL = Duration.ofSeconds(10);
  public static final int ACCESS_FLUSH_BATCH = 4096;
  public static final long DEFAULT_MEMORY_BYTES = 128L << 20;

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
    Objects.requireNonNull(accessFlushInterval, () -> "chunk store at " + root + ": access flush interval is null");
    if (accessFlushInterval.isNegative() || accessFlushInterval.isZero()) {
      throw new IllegalArgumentException("chunk store at " + root + ": access flush interval must be positive, got "
          + accessFlushInterval);
    }
    if (memoryBytes < 0) {
      throw new IllegalArgumentException("chunk store at " + root + ": load memory must not be negative, got " + memoryBytes);
    }
  }

  /**
   * The defaults: {@value #DEFAULT_FETCH_THREADS} fetch threads, fsync on,
   * {@value #DEFAULT_OPEN_FILES} open files, no budget, 1 GiB kept free, access times saved every 10 s,
   * 128 MiB of load memory.
   */
  public static StoreConfig at(Path root) {
    return new StoreConfig(root, DEFAULT_FETCH_THREADS, true, DEFAULT_OPEN_FILES, UNLIMITED, DEFAULT_MIN_FREE_BYTES,
        DEFAULT_ACCESS_FLUSH_INTERVAL, DEFAULT_MEMORY_BYTES);
  }

  public StoreConfig withAccessFlushInterval(Duration accessFlushInterval) {
    return new StoreConfig(root, fetchThreads, fsync, openFiles, budgetBytes, minFreeBytes, accessFlushInterval, memoryBytes);
  }

  public StoreConfig withFetchThreads(int fetchThreads) {
    return new StoreConfig(root, fetchThreads, fsync, openFiles, budgetBytes, minFreeBytes, accessFlushInterval, memoryBytes);
  }

  public StoreConfig withFsync(boolean fsync) {
    return new StoreConfig(root, fetchThreads, fsync, openFiles, budgetBytes, minFreeBytes, accessFlushInterval, memoryBytes);
  }

  public StoreConfig withOpenFiles(int openFiles) {
    return new StoreConfig(root, fetchThreads, fsync, openFiles, budgetBytes, minFreeBytes, accessFlushInterval, memoryBytes);
  }

  public StoreConfig withBudgetBytes(long budgetBytes) {
    return new StoreConfig(root, fetchThreads, fsync, openFiles, budgetBytes, minFreeBytes, accessFlushInterval, memoryBytes);
  }

  public StoreConfig withMinFreeBytes(long minFreeBytes) {
    return new StoreConfig(root, fetchThreads, fsync, openFiles, budgetBytes, minFreeBytes, accessFlushInterval, memoryBytes);
  }

  public StoreConfig withMemoryBytes(long memoryBytes) {
    return new StoreConfig(root, fetchThreads, fsync, openFiles, budgetBytes, minFreeBytes, accessFlushInterval, memoryBytes);
  }
}
