package io.modelfs.store;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes published chunks durable off the reader's path: a chunk is served as soon as its
 * verified file is renamed into {@code chunks/}; this thread then fsyncs the file (when the
 * store is configured to) and only after that writes its index entry, in publish order.
 *
 * <p>Why: an fsync of an 8 MiB chunk took 33–160 ms on this project's disk, on the fetch thread
 * that a waiting reader depends on. Why it is safe: an index entry exists only for a file whose
 * bytes reached the disk, and the {@link Reconciler} re-hashes every file without an entry at
 * the next open (adopting it if it matches its name, deleting it otherwise), so a crash or
 * power loss between rename and entry loses at most a re-hash and never serves unverified
 * bytes. The {@link AccessFlusher} skips chunks still {@link #pending(Digest) pending}, so it
 * cannot write an entry for a file not yet on disk.
 *
 * <p>Errors: a chunk whose file is gone (evicted meanwhile) is skipped, and an entry written
 * just as the evictor deleted the file is removed again; a failed fsync or index
 * write is logged with the chunk and the cause, and the chunk stays pending (served, but never
 * indexed in this run, so the next open re-hashes it). Thread-safe.
 */
final class BackgroundIndexer implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(BackgroundIndexer.class);
  private static final long CLOSE_WAIT_SECONDS = 60;

  private final String storeName;
  private final StoreLayout layout;
  private final ChunkIndex index;
  private final boolean fsync;
  private final LinkedBlockingQueue<Published> queue = new LinkedBlockingQueue<>();
  private final Set<Digest> pending = ConcurrentHashMap.newKeySet();
  private final Thread thread;
  private volatile boolean closed;
  private boolean held; // guarded by this
  private int unfinished; // queued or being synced; guarded by this

  /** Starts the indexing thread. */
  BackgroundIndexer(String storeName, StoreLayout layout, ChunkIndex index, boolean fsync) {
    this.storeName = storeName;
    this.layout = layout;
    this.index = index;
    this.fsync = fsync;
    this.thread = new Thread(this::run, "modelfs-chunk-sync");
    thread.setDaemon(true);
    thread.start();
  }

  /** A chunk renamed into place at {@code millis}, the access time its entry starts with. */
  private record Published(ChunkRef chunk, long millis) {}

  /**
   * Queues a chunk whose file was just renamed into place at {@code millis}; it is pending until
   * its entry is written. Later reads reach the index through the {@link AccessFlusher}.
   */
  void published(ChunkRef chunk, long millis) {
    pending.add(chunk.digest());
    synchronized (this) {
      unfinished++;
    }
    queue.add(new Published(chunk, millis));
  }

  /**
   * Waits up to {@code timeoutMillis} until every chunk queued so far has been synced and indexed
   * (or failed); returns whether it got there. {@code verify} calls it first, so that an entry
   * written late cannot overwrite the quarantine record verify writes.
   */
  synchronized boolean awaitIdle(long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (unfinished > 0) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        return false;
      }
      wait(left);
    }
    return true;
  }

  /** True while {@code digest}'s file may not be on disk yet, so no index entry may be written for it. */
  boolean pending(Digest digest) {
    return pending.contains(digest);
  }

  /** How many chunks are queued or failed and not yet indexed; for tests and stats. */
  int pendingCount() {
    return pending.size();
  }

  /**
   * Stops indexing until {@link #release()} (or close): for tests that need the window between
   * publish and index entry to stay open, e.g. to kill a process inside it.
   */
  synchronized void hold() {
    held = true;
  }

  /** Resumes indexing after {@link #hold()}. */
  synchronized void release() {
    held = false;
    notifyAll();
  }

  /** Indexes everything queued (waiting up to a minute), then stops the thread. */
  @Override
  public void close() {
    closed = true;
    release();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive() || !queue.isEmpty()) {
      log.warn("{}: {} chunks not indexed at close; the next open re-hashes their files", storeName, queue.size());
    }
  }

  private void run() {
    while (!closed || !queue.isEmpty()) {
      Published next;
      try {
        next = queue.poll(100, TimeUnit.MILLISECONDS);
        if (next != null) {
          awaitRelease(); // a hold taken while this thread waited for the queue applies to what it got
        }
      } catch (InterruptedException e) {
        return;
      }
      if (next != null) {
        try {
          sync(next.chunk(), next.millis());
        } finally {
          synchronized (this) {
            unfinished--;
            notifyAll();
          }
        }
      }
    }
  }

  private synchronized void awaitRelease() throws InterruptedException {
    while (held && !closed) {
      wait();
    }
  }

  private void sync(ChunkRef chunk, long millis) {
    Digest digest = chunk.digest();
    try (FileChannel file = FileChannel.open(layout.chunkPath(digest), StandardOpenOption.READ)) {
      if (fsync) {
        file.force(true);
      }
    } catch (NoSuchFileException e) {
      pending.remove(digest); // evicted or quarantined before it was indexed: nothing to record
      return;
    } catch (IOException e) {
      log.warn("{}: could not fsync chunk {} ({}); it is served but not indexed, and the next open re-hashes it",
          storeName, digest, e.toString());
      return;
    }
    try {
      index.put(digest, ChunkIndex.Entry.published(digest, chunk.size(), millis));
      if (!Files.exists(layout.chunkPath(digest))) {
        // Evicted between the fsync and the entry: the evictor's removal may have come first.
        index.remove(digest);
      }
      pending.remove(digest);
    } catch (IOException | RuntimeException e) {
      log.warn("{}: could not write the index entry of chunk {} ({}); it is served, and the next open re-hashes it",
          storeName, digest, e.toString());
    }
  }
}
