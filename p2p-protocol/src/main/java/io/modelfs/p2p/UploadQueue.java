package io.modelfs.p2p;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Upload slots with fair rotation: at most {@code slots} uploads run at once, at most
 * {@code perPeer} of them to one peer, and a freed slot goes to the next peer in turn that has a
 * request waiting and can take bytes now (its connection is writable). A greedy peer that queues
 * a hundred requests gets its share, not the node; a slow peer holds at most {@code perPeer}
 * slots while its socket drains.
 *
 * <p>The wait is bounded too: once every slot is busy and {@link #maxWaiting()} requests wait,
 * {@link #full()} says so and the peer server refuses more with BUSY, so that a requester asks
 * another holder of the chunk (one that may be idle) instead of queueing behind a busy one. In
 * the simulator, fanout-50 finished in 1.23x its lower bound with an unbounded wait and in 1.13x
 * with half the slot count waiting (docs/SIMULATIONS.md).
 *
 * <p>Thread-safety: all methods may be called from any thread; {@link Upload#start} is called
 * outside the lock.
 */
final class UploadQueue {
  /** One queued request. */
  interface Upload {
    String peer();

    long id();

    /** True if the peer can take bytes now (its channel is writable). */
    boolean ready();

    /** Begins sending; calls {@code done} exactly once when the slot is free again. */
    void start(Runnable done);

    /** Bytes this upload sends (for the upload rate cap). */
    long length();

    /** Runs {@code task} after {@code nanos} on some timer thread (the connection's event loop). */
    void later(Runnable task, long nanos);
  }

  private final int slots;
  private final int perPeer;
  /** 0 = no upload cap. */
  private final long bytesPerSecond;
  private final LongSupplier nanos;
  /** With a cap: the earliest time (nanos) the next upload may start; each start moves it on by length / rate. */
  private long nextStart = Long.MIN_VALUE;
  private boolean wakeScheduled;
  private final Map<String, ArrayDeque<Upload>> queued = new HashMap<>();
  private final Map<String, Integer> running = new HashMap<>();
  private final ArrayDeque<String> turn = new ArrayDeque<>();
  private int active;
  /** Requests queued and not yet started, all peers together. */
  private int waiting;

  UploadQueue(int slots, int perPeer) {
    this(slots, perPeer, 0, System::nanoTime);
  }

  /**
   * @param bytesPerSecond upload cap, all peers together (0 = none): starts are paced so that the
   *     bytes started average at most this rate (a chunk itself goes out at the link's speed)
   */
  UploadQueue(int slots, int perPeer, long bytesPerSecond, LongSupplier nanos) {
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("upload cap must be >= 0 bytes/s, got " + bytesPerSecond);
    }
    this.slots = slots;
    this.perPeer = perPeer;
    this.bytesPerSecond = bytesPerSecond;
    this.nanos = nanos;
  }

  synchronized void offer(Upload u) {
    ArrayDeque<Upload> q = queued.computeIfAbsent(u.peer(), p -> new ArrayDeque<>());
    if (q.isEmpty() && !turn.contains(u.peer())) {
      turn.addLast(u.peer());
    }
    q.addLast(u);
    waiting++;
  }

  /** Requests that may wait once every slot is busy: half the slot count (at least one). */
  int maxWaiting() {
    return Math.max(1, slots / 2);
  }

  /** True when every slot is busy and {@link #maxWaiting()} requests wait: a new one is refused BUSY. */
  synchronized boolean full() {
    return active >= slots && waiting >= maxWaiting();
  }

  /** Removes a request that has not started; returns false if it started or was never queued. */
  synchronized boolean cancel(String peer, long id) {
    ArrayDeque<Upload> q = queued.get(peer);
    if (q != null && q.removeIf(u -> u.id() == id)) {
      waiting--;
      return true;
    }
    return false;
  }

  /** Forgets every queued request of a peer whose connection closed. */
  synchronized void removePeer(String peer) {
    ArrayDeque<Upload> q = queued.remove(peer);
    if (q != null) {
      waiting -= q.size();
    }
    turn.remove(peer);
  }

  /** Requests of {@code peer} queued and running. */
  synchronized int pending(String peer) {
    ArrayDeque<Upload> q = queued.get(peer);
    return (q == null ? 0 : q.size()) + running.getOrDefault(peer, 0);
  }

  synchronized int active() {
    return active;
  }

  /** Starts as many queued uploads as the slots allow, in turn. */
  void pump() {
    List<Upload> toStart = new ArrayList<>();
    Upload waker = null;
    long wait = 0;
    synchronized (this) {
      Upload next;
      while (active < slots) {
        long now = bytesPerSecond == 0 ? 0 : nanos.getAsLong();
        if (bytesPerSecond > 0 && now < nextStart) {
          // Over the cap: look again when the budget allows (one timer at a time).
          Upload head = peekReady();
          if (head != null && !wakeScheduled) {
            wakeScheduled = true;
            waker = head;
            wait = nextStart - now;
          }
          break;
        }
        if ((next = pickNext()) == null) {
          break;
        }
        if (bytesPerSecond > 0) {
          nextStart = Math.max(now, nextStart) + Math.max(1, (long) (next.length() * 1e9 / bytesPerSecond));
        }
        active++;
        running.merge(next.peer(), 1, Integer::sum);
        toStart.add(next);
      }
    }
    if (waker != null) {
      waker.later(this::woken, wait);
    }
    for (Upload u : toStart) {
      u.start(() -> finished(u.peer()));
    }
  }

  private void woken() {
    synchronized (this) {
      wakeScheduled = false;
    }
    pump();
  }

  /** Some queued upload that {@link #pickNext} could start now, ignoring the rate cap; null if none. */
  private Upload peekReady() {
    for (String peer : turn) {
      ArrayDeque<Upload> q = queued.get(peer);
      if (q != null && !q.isEmpty() && running.getOrDefault(peer, 0) < perPeer && q.peekFirst().ready()) {
        return q.peekFirst();
      }
    }
    return null;
  }

  private void finished(String peer) {
    synchronized (this) {
      active--;
      running.computeIfPresent(peer, (p, n) -> n <= 1 ? null : n - 1);
    }
    pump();
  }

  /** The head of the first peer in turn that may start one; that peer goes to the back. */
  private Upload pickNext() {
    Iterator<String> it = turn.iterator();
    while (it.hasNext()) {
      String peer = it.next();
      ArrayDeque<Upload> q = queued.get(peer);
      if (q == null || q.isEmpty()) {
        it.remove();
        continue;
      }
      if (running.getOrDefault(peer, 0) >= perPeer || !q.peekFirst().ready()) {
        continue;
      }
      Upload u = q.pollFirst();
      waiting--;
      it.remove();
      if (!q.isEmpty()) {
        turn.addLast(peer);
      }
      return u;
    }
    return null;
  }
}
