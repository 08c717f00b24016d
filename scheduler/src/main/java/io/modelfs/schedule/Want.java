package io.modelfs.schedule;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One wanted chunk that is not held yet: why it is wanted, the fetches outstanding for it, the
 * peers it must not be asked from for now, and where it stands with the tracker's origin lease.
 * Mutable state owned by {@link SwarmScheduler}; never shared.
 */
final class Want {
  /** Urgent wants (FOREGROUND, READAHEAD): most urgent need first, then first come first served. */
  static final Comparator<Want> URGENT_ORDER = Comparator.<Want>comparingInt(w -> w.need.ordinal())
      .thenComparingLong(w -> w.seq);

  /** Prefetch wants of one model: rarest on the peers first, ties by a per-node hash so nodes spread out. */
  static final Comparator<Want> RAREST_FIRST = Comparator.<Want>comparingInt(w -> w.rarity)
      .thenComparingLong(w -> w.tie)
      .thenComparingInt(w -> w.id.index());

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
  /** Peer id → until when (ticker nanos) it is not asked for this chunk. */
  final Map<String, Long> excluded = new TreeMap<>();
  Lease lease = Lease.NONE;
  long leaseWaitUntil;
  /** Lease answers saying "on a peer" while no usable peer had it. */
  int fruitlessRounds;
  /** After {@link SwarmScheduler#FRUITLESS_ROUNDS} such answers: when this node may take it from the origin unleased. */
  long fallbackAt;
  /** No origin fetch for this chunk before this time (after an origin or local failure). */
  long originNotBefore = Long.MIN_VALUE;

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
