package io.modelfs.store;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.store.ChunkStore.Priority;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Single-flight loads on a fixed set of fetch threads, most urgent first.
 *
 * <p>Design note. {@code inFlight} maps a digest to its one {@link PendingLoad} from the first
 * request until just before the load's future completes; later requests join it. The queue is
 * ordered by priority, then by arrival (FIFO within a priority). Promoting a queued load adds a
 * second entry at the higher priority instead of searching the queue; whichever entry a fetch
 * thread takes first claims the load and the other is skipped, so a load runs at most once. A
 * load leaves {@code inFlight} before its future completes, so a caller that sees a failure and
 * retries starts a fresh load instead of joining the failed one.
 */
final class FetchScheduler {
  private static final Logger log = LoggerFactory.getLogger(FetchScheduler.class);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
  private static final Comparator<Entry> MOST_URGENT_FIRST =
      Comparator.comparing(Entry::priority).thenComparingLong(Entry::seq);

  /** What a fetch thread does with a load it claimed. */
  @FunctionalInterface
  interface LoadRunner {
    void run(ChunkRef chunk, String source, ChunkLoader loader) throws IOException;
  }

  private final String storeName;
  private final LoadRunner runner;
  private final Map<Digest, PendingLoad> inFlight = new ConcurrentHashMap<>();
  private final PriorityBlockingQueue<Entry> queue = new PriorityBlockingQueue<>(64, MOST_URGENT_FIRST);
  private final AtomicLong arrivals = new AtomicLong();
  private final List<Thread> workers = new ArrayList<>();
  private volatile boolean closed;

  /** Starts {@code threads} fetch threads; {@code storeName} appears in errors and thread names. */
  FetchScheduler(String storeName, int threads, LoadRunner runner) {
    this.storeName = storeName;
    this.runner = runner;
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(this::work, "modelfs-fetch-" + i);
      t.setDaemon(true);
      workers.add(t);
      t.start();
    }
  }

  /**
   * A store's {@code ensure}: checks the arguments, completes at once when {@code held} says the
   * chunk is stored, else counts a miss and {@link #submit submits} the load.
   */
  CompletableFuture<Void> ensure(ChunkRef chunk, Priority priority, String source, ChunkLoader loader,
      java.util.function.Predicate<Digest> held, StoreCounters counters) {
    java.util.Objects.requireNonNull(chunk, "chunk is null");
    java.util.Objects.requireNonNull(priority, () -> "priority for chunk " + chunk + " is null");
    java.util.Objects.requireNonNull(source, () -> "source for chunk " + chunk + " is null");
    java.util.Objects.requireNonNull(loader, () -> "loader for chunk " + chunk + " from " + source + " is null");
    if (held.test(chunk.digest())) {
      return CompletableFuture.completedFuture(null);
    }
    counters.miss();
    return submit(chunk, priority, source, loader);
  }

  /** Queues a load of {@code chunk} or joins the one in flight, promoting it to {@code priority}. */
  CompletableFuture<Void> submit(ChunkRef chunk, Priority priority, String source, ChunkLoader loader) {
    if (closed) {
      return CompletableFuture.failedFuture(closedError(chunk, source));
    }
    PendingLoad fresh = new PendingLoad(chunk, source, loader, priority);
    PendingLoad load = inFlight.putIfAbsent(chunk.digest(), fresh);
    if (load == null) {
      load = fresh;
      enqueue(load, priority);
    } else if (load.promote(priority)) {
      enqueue(load, priority);
    }
    if (closed) {
      // close() may have drained inFlight before this load was added.
      load.outcome().completeExceptionally(closedError(chunk, load.source()));
    }
    return load.outcome().copy();
  }

  /** Fails every queued and running load, stops the threads and waits briefly for them. */
  void close() {
    closed = true;
    queue.clear();
    // Fail the waiters before interrupting the loads, so that they see "closed", not the interrupted loader's error.
    for (PendingLoad load : inFlight.values()) {
      load.outcome().completeExceptionally(closedError(load.chunk(), load.source()));
    }
    inFlight.clear();
    workers.forEach(Thread::interrupt);
    for (Thread t : workers) {
      try {
        t.join(CLOSE_WAIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (t.isAlive()) {
        log.warn("{}: fetch thread {} still running {} after close", storeName, t.getName(), CLOSE_WAIT);
      }
    }
  }

  private void enqueue(PendingLoad load, Priority priority) {
    queue.add(new Entry(load, priority, arrivals.getAndIncrement()));
  }

  private void work() {
    while (!closed) {
      Entry next;
      try {
        next = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      if (next.load().claim()) {
        run(next.load());
      }
    }
  }

  private void run(PendingLoad load) {
    Throwable failure = null;
    try {
      runner.run(load.chunk(), load.source(), load.loader());
    } catch (Throwable t) {
      failure = t;
      if (t instanceof Error) {
        log.error("{}: {} failed", storeName, load, t);
      }
    }
    inFlight.remove(load.chunk().digest(), load);
    if (failure == null) {
      load.outcome().complete(null);
    } else {
      load.outcome().completeExceptionally(failure);
    }
    if (!closed) {
      Thread.interrupted(); // a loader's stray interrupt must not end this fetch thread
    }
  }

  private IOException closedError(ChunkRef chunk, String source) {
    return new IOException(storeName + " is closed; load of chunk " + chunk.digest() + " from " + source + " abandoned");
  }

  /** A place in the queue; a promoted load has one entry per priority it was queued at. */
  private record Entry(PendingLoad load, Priority priority, long seq) {}
}
