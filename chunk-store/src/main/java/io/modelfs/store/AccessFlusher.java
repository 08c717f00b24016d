package io.modelfs.store;

import io.modelfs.core.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes changed access times from the {@link ChunkTable} to the {@link ChunkIndex} in the
 * background: every {@code interval}, sooner once {@code batch} chunks are waiting, and at close.
 * Reads only touch memory; after a {@code kill -9} the eviction order the store reopens with is
 * at most one interval (or one batch) old instead of that of the last clean close.
 *
 * <p>A flush rewrites whole entries, so one racing with an eviction may put back the entry of a
 * chunk whose file was just deleted; the next open drops such an entry ({@link Reconciler}).
 * A failed write is logged and its chunks stay unsaved for the next flush. Thread-safe.
 */
final class AccessFlusher implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(AccessFlusher.class);

  private final String storeName;
  private final ChunkTable table;
  private final ChunkIndex index;
  private final Duration interval;
  private final int batch;
  private final Predicate<Digest> notYetIndexed;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition due = lock.newCondition();
  private final AtomicLong flushes = new AtomicLong();
  private final Thread thread;
  private boolean wanted;
  private boolean closed;

  /** Starts the flushing thread; every chunk's entry may be written. */
  AccessFlusher(String storeName, ChunkTable table, ChunkIndex index, Duration interval, int batch) {
    this(storeName, table, index, interval, batch, d -> false);
  }

  /**
   * Starts the flushing thread; chunks for which {@code notYetIndexed} holds (their file may not
   * be on disk yet, see {@link BackgroundIndexer}) keep their access time unsaved for a later flush.
   */
  AccessFlusher(String storeName, ChunkTable table, ChunkIndex index, Duration interval, int batch,
      Predicate<Digest> notYetIndexed) {
    this.notYetIndexed = notYetIndexed;
    if (interval.isNegative() || interval.isZero() || batch < 1) {
      throw new IllegalArgumentException(storeName + ": access flush interval must be positive and batch at least 1, got "
          + interval + " and " + batch);
    }
    this.storeName = storeName;
    this.table = table;
    this.index = index;
    this.interval = interval;
    this.batch = batch;
    this.thread = new Thread(this::run, "modelfs-access-flush");
    thread.setDaemon(true);
    thread.start();
  }

  /** Records a read of {@code digest} at {@code now}; wakes the flusher once a batch is waiting. */
  void touch(Digest digest, long now) {
    table.touch(digest, now);
    if (table.unsavedCount() >= batch) {
      lock.lock();
      try {
        if (!wanted) {
          wanted = true;
          due.signal();
        }
      } finally {
        lock.unlock();
      }
    }
  }

  /** How many flushes have completed (written or found nothing to write); for tests. */
  long flushes() {
    return flushes.get();
  }

  /** Writes what is unsaved now, on the caller's thread. Returns how many entries it wrote. */
  int flush() {
    Map<Digest, ChunkTable.Access> taken = table.takeUnsavedAccesses();
    Map<Digest, ChunkIndex.Entry> entries = new HashMap<>();
    List<Digest> later = new ArrayList<>();
    taken.forEach((d, a) -> {
      if (notYetIndexed.test(d)) {
        later.add(d);
      } else {
        entries.put(d, ChunkIndex.Entry.published(d, a.size(), a.lastAccessMillis()));
      }
    });
    table.markUnsaved(later);
    try {
      index.putAll(entries);
      flushes.incrementAndGet();
      return entries.size();
    } catch (IOException e) {
      table.markUnsaved(entries.keySet());
      log.warn("{}: access times of {} chunks not saved, retrying at the next flush: {}", storeName, entries.size(),
          e.getMessage());
      return 0;
    }
  }

  /** Stops the thread and writes what is left. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      due.signal();
    } finally {
      lock.unlock();
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flush();
  }

  private void run() {
    while (true) {
      lock.lock();
      try {
        long waitNanos = interval.toNanos();
        while (!wanted && !closed && waitNanos > 0) {
          waitNanos = due.awaitNanos(waitNanos);
        }
        if (closed) {
          return;
        }
        wanted = false;
      } catch (InterruptedException e) {
        return;
      } finally {
        lock.unlock();
      }
      flush();
    }
  }
}
