package io.modelfs.sim;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * One simulated node's upload side, as the agent's peer server works ({@code p2p}'s
 * {@code UploadQueue} and {@code PeerSession.onRequest}): a request is refused BUSY when
 * its requester already has {@code maxQueuedPerPeer} requests queued or running here, or when
 * every slot is busy and {@code maxWaiting} requests (all requesters together) already wait;
 * otherwise it waits in that requester's queue. At most {@code slots} uploads run at once, at most
 * {@code perPeer} to one requester, and a freed slot goes to the next requester in turn that has
 * a request waiting. A cancelled request leaves the queue; a cancelled running upload frees its
 * slot. (The real queue also skips a requester whose socket is not writable; flows here have no
 * socket buffers, so every requester is ready.)
 *
 * <p>Design note: before 2026-11-28 the simulator refused BUSY whenever all slots were taken,
 * which the agent never does (it queues); requesters then retried every BUSY backoff, which cost
 * most of a large run's events. Mutable state owned by {@link SwarmRun}'s single thread.
 */
final class UploadSlots {
  /** Starts the upload of a transfer whose turn came; the transfer is running from then on. */
  interface Starter {
    void start(SimNode.Transfer t);
  }

  private final int slots;
  private final int perPeer;
  private final int maxQueuedPerPeer;
  /** Requests waiting for a slot, all requesters together, above which more are refused BUSY. */
  private final int maxWaiting;
  private int waiting;
  private final Map<SimNode, ArrayDeque<SimNode.Transfer>> queued = new HashMap<>();
  private final Map<SimNode, int[]> running = new HashMap<>();
  private final ArrayDeque<SimNode> turn = new ArrayDeque<>();
  private int active;

  UploadSlots(int slots, int perPeer, int maxQueuedPerPeer) {
    this(slots, perPeer, maxQueuedPerPeer, Integer.MAX_VALUE);
  }

  UploadSlots(int slots, int perPeer, int maxQueuedPerPeer, int maxWaiting) {
    if (slots < 1 || perPeer < 1 || maxQueuedPerPeer < 1 || maxWaiting < 0) {
      throw new IllegalArgumentException("upload slots " + slots + ", per peer " + perPeer + ", queued per peer "
          + maxQueuedPerPeer + ": each must be at least 1; waiting " + maxWaiting + " at least 0");
    }
    this.maxWaiting = maxWaiting;
    this.slots = slots;
    this.perPeer = perPeer;
    this.maxQueuedPerPeer = maxQueuedPerPeer;
  }

  /** False (refuse BUSY) if the requester has too many requests here already; else queues it. */
  boolean offer(SimNode.Transfer t) {
    ArrayDeque<SimNode.Transfer> q = queued.computeIfAbsent(t.to, p -> new ArrayDeque<>());
    int[] r = running.get(t.to);
    if (q.size() + (r == null ? 0 : r[0]) >= maxQueuedPerPeer || (active >= slots && waiting >= maxWaiting)) {
      return false;
    }
    waiting++;
    if (q.isEmpty() && !turn.contains(t.to)) {
      turn.addLast(t.to);
    }
    q.addLast(t);
    return true;
  }

  /** Starts as many queued uploads as the slots allow, in turn. */
  void pump(Starter starter) {
    SimNode.Transfer next;
    while (active < slots && (next = pickNext()) != null) {
      active++;
      running.computeIfAbsent(next.to, p -> new int[1])[0]++;
      next.uploading = true;
      starter.start(next);
    }
  }

  /** A running upload ended (done, cancelled or its requester gone): its slot is free. Call {@link #pump} next. */
  void finished(SimNode.Transfer t) {
    if (!t.uploading) {
      return;
    }
    t.uploading = false;
    active--;
    int[] r = running.get(t.to);
    if (r != null && --r[0] == 0) {
      running.remove(t.to);
    }
  }

  /** Removes a request that has not started (the requester cancelled it). */
  void cancelQueued(SimNode.Transfer t) {
    ArrayDeque<SimNode.Transfer> q = queued.get(t.to);
    if (q != null && q.remove(t)) {
      waiting--;
    }
  }

  /** Every request waiting here, for a crash of this node. */
  Iterable<SimNode.Transfer> allQueued() {
    ArrayDeque<SimNode.Transfer> all = new ArrayDeque<>();
    for (SimNode peer : turn) {
      ArrayDeque<SimNode.Transfer> q = queued.get(peer);
      if (q != null) {
        all.addAll(q);
      }
    }
    return all;
  }

  /** Forgets the queued requests of a requester that went away. */
  void removePeer(SimNode peer) {
    ArrayDeque<SimNode.Transfer> q = queued.remove(peer);
    if (q != null) {
      waiting -= q.size();
    }
    turn.remove(peer);
  }

  int active() {
    return active;
  }

  private SimNode.Transfer pickNext() {
    Iterator<SimNode> it = turn.iterator();
    while (it.hasNext()) {
      SimNode peer = it.next();
      ArrayDeque<SimNode.Transfer> q = queued.get(peer);
      if (q == null || q.isEmpty()) {
        it.remove();
        continue;
      }
      int[] r = running.get(peer);
      if (r != null && r[0] >= perPeer) {
        continue;
      }
      SimNode.Transfer t = q.pollFirst();
      waiting--;
      it.remove();
      if (!q.isEmpty()) {
        turn.addLast(peer);
      }
      return t;
    }
    return null;
  }
}
