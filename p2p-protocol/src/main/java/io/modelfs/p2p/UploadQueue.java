package io.modelfs.p2p;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Upload slots with fair rotation: at most {@code slots} uploads run at once, at most
 * {@code perPeer} of them to one peer, and a freed slot goes to the next peer in turn that has a
 * request waiting and can take bytes now (its connection is writable). A greedy peer that queues
 * a hundred requests gets its share, not the node; a slow peer holds at most {@code perPeer}
 * slots while its socket drains.
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
  }

  private final int slots;
  private final int perPeer;
  private final Map<String, ArrayDeque<Upload>> queued = new HashMap<>();
  private final Map<String, Integer> running = new HashMap<>();
  private final ArrayDeque<String> turn = new ArrayDeque<>();
  private int active;

  UploadQueue(int slots, int perPeer) {
    this.slots = slots;
    this.perPeer = perPeer;
  }

  synchronized void offer(Upload u) {
    ArrayDeque<Upload> q = queued.computeIfAbsent(u.peer(), p -> new ArrayDeque<>());
    if (q.isEmpty() && !turn.contains(u.peer())) {
      turn.addLast(u.peer());
    }
    q.addLast(u);
  }

  /** Removes a request that has not started; returns false if it started or was never queued. */
  synchronized boolean cancel(String peer, long id) {
    ArrayDeque<Upload> q = queued.get(peer);
    return q != null && q.removeIf(u -> u.id() == id);
  }

  /** Forgets every queued request of a peer whose connection closed. */
  synchronized void removePeer(String peer) {
    queued.remove(peer);
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
    synchronized (this) {
      Upload next;
      while (active < slots && (next = pickNext()) != null) {
        active++;
        running.merge(next.peer(), 1, Integer::sum);
        toStart.add(next);
      }
    }
    for (Upload u : toStart) {
      u.start(() -> finished(u.peer()));
    }
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
      it.remove();
      if (!q.isEmpty()) {
        turn.addLast(peer);
      }
      return u;
    }
    return null;
  }
}
