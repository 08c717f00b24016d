package io.modelfs.schedule;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One wanted chunk that is not held yet: why it is wanted, the fetches outstanding for it, the
 * peers it must not be asked from for now, and where it stands with the tracker's origin lease.
 * Mutable state owned by {@link SwarmScheduler}; never shared.
 */
final class Want {
  /** Urgent wants (FOREGROUND, READAHEAD): most urgent need first, then first come first served. */
  static final Comparator<Want> URGENT_ORDER = (a, b) -> {
    int c = Integer.compare(a.need.ordinal(), b.need.ordinal());
    return c != 0 ? c : Long.compare(a.seq, b.seq);
  };

  /** Prefetch wants of one model: rarest on the peers first, ties by a per-node hash so nodes spread out. */
  static final Comparator<Want> RAREST_FIRST = (a, b) -> {
    int c = Integer.compare(a.rarity, b.rarity);
    if (c == 0) {
      c = Long.compare(a.tie, b.tie);
    }
    return c != 0 ? c : Integer.compare(a.id.index(), b.id.index());
  };

  /** Where the want stands with the tracker. */
  enum Lease {
    /** Not asked (or asked and the wait is over): the next lease request may carry it. */
    NONE,
    /** In the lease request in flight. */
    ASKED,
    /** This node holds the origin lease. */
    GRANTED,
    /** Leased to another node or held by a peer: wait until {@link #leaseWaitUntil}, then ask again. */
    WAITING
  }

  final ChunkId id;
  final ModelState model;
  Need need;
  long seq;
  final long tie;
  /** The sort key among prefetch wants; equals the model's peer count for the chunk while queued. */
  int rarity;
  final List<Fetch> fetches = new ArrayList<>(2);
  /** Peer id → until when (ticker nanos) it is not asked for this chunk. Looked up only, never walked. */
  final Map<String, Long> excluded = new HashMap<>(4);
  Lease lease = Lease.NONE;
  long leaseWaitUntil;
  /**
   * Lease answers in a row saying "on a peer" while no connected peer held it (busy or briefly
   * excluded holders do not count) and the node waited for it (urgent, or nothing else to fetch
   * from peers); from {@link SwarmScheduler#FRUITLESS_ROUNDS} on, lease requests flag the chunk
   * "holders unreachable".
   */
  int fruitlessRounds;
  /** No origin fetch for this chunk before this time (after an origin or local failure). */
  long originNotBefore = Long.MIN_VALUE;
  /**
   * A memo of "no usable peer" for this queued want, so a node with many blocked wants does not
   * re-scan every peer for each of them after every event. Trusted while {@code blocked}, before
   * {@link #blockedUntil} (the first exclusion or cancelled fetch that blocked a holder expires)
   * and, if a holder was at its per-peer cap, while no capped peer freed a slot
   * ({@link #blockedCapFrees}, -1 = none was capped). Cleared by whatever else could unblock it:
   * a holder more or less, a failure of this want, a cancelled fetch's outcome arriving.
   */
  boolean blocked;
  /**
   * What {@code reachableHolder} would say, found by the same scan as {@link #blocked} and valid
   * whenever that memo is (reachability changes only with the holders or a CORRUPT exclusion,
   * both of which clear the memo): the pass need not walk every peer again for a blocked want.
   */
  boolean reachable;
  long blockedUntil;
  long blockedCapFrees = -1;
  /**
   * Queued prefetch want that a pass need not try (see {@code SwarmScheduler.sleep}): it is not in
   * {@link ModelState#ready} until its time in {@link ModelState#sleeping} comes, its holders
   * change, a peer at its cap frees a slot (if one blocked it), a lease answer names it or, if
   * {@link #wakeOnAsk}, the first pass in which the model may send a lease request.
   */
  boolean asleep;
  /** Counts this want's sleeps: tells its live entry in {@link ModelState#sleeping} from stale ones. */
  int sleepNumber;
  /** When it wakes at the latest (Long.MAX_VALUE: only an event wakes it); valid while {@link #asleep}. */
  long wakeAt;
  /** It would join a lease request's batch: asleep only while the model may send none. */
  boolean wakeOnAsk;
  /** Listed in {@link ModelState#askSleepers} / the scheduler's cap sleepers (each list holds a want once). */
  boolean inAskList;
  boolean inCapList;

  Want(ChunkId id, ModelState model, Need need, long seq, long tie) {
    this.id = id;
    this.model = model;
    this.need = need;
    this.seq = seq;
    this.tie = tie;
  }

  boolean queued() {
    return fetches.isEmpty();
  }

  boolean urgent() {
    return need != Need.PREFETCH;
  }

  Fetch fetchFrom(Source source) {
    for (Fetch f : fetches) {
      if (f.source().equals(source)) {
        return f;
      }
    }
    return null;
  }

  boolean excluded(String peer, long now) {
    Long until = excluded.get(peer);
    return until != null && until > now;
  }

  void exclude(String peer, long until) {
    excluded.merge(peer, until, Math::max);
  }

  long size() {
    return model.size(id.index());
  }

  @Override
  public String toString() {
    return id + " (" + need + ")";
  }
}
