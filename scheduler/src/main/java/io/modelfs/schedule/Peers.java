package io.modelfs.schedule;

import io.modelfs.core.Digest;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The connected peers as this node sees them: each one's bitfields per model and how many of
 * our fetches it serves right now. Sorted by id so that every walk over them is deterministic.
 */
final class Peers {
  static final class Peer {
    final String id;
    /**
     * Model → bitfield; looked up, and walked only where the order does not matter. Changed only
     * through {@link #putBits} and {@link #bitsOrNew}, which keep the lookup cache true.
     */
    final Map<Digest, BitSet> holdings = new HashMap<>(4);
    /** The model last looked up (by reference) and its bitfield: nearly every lookup is for the one open model. */
    private Digest lastModel;
    private BitSet lastBits;
    int active;
    /**
     * After a BUSY refusal (its upload queue is full) the peer is asked for no chunk until this
     * time (ticker nanos); {@link #busyStreak} refusals in a row, each one after the last backoff
     * ended, double the wait. A chunk verified from it ends the streak.
     */
    long busyUntil = Long.MIN_VALUE;
    int busyStreak;

    /** {@code Mix.prefix(id)}: the per-chunk tie-break hashes this id for every want it holds. */
    final long idHash;

    Peer(String id) {
      this.id = id;
      this.idHash = Mix.prefix(id);
    }

    boolean has(ChunkId chunk) {
      BitSet b = bits(chunk.model());
      return b != null && b.get(chunk.index());
    }

    /** The peer's bitfield for {@code model}, or null if it sent none. */
    BitSet bits(Digest model) {
      if (model == lastModel) {
        return lastBits;
      }
      BitSet b = holdings.get(model);
      if (b != null) {
        lastModel = model;
        lastBits = b;
      }
      return b;
    }

    /** The peer's bitfield for {@code model}, an empty one added if it sent none. */
    BitSet bitsOrNew(Digest model) {
      BitSet b = bits(model);
      return b != null ? b : putBits(model, new BitSet());
    }

    /** Replaces the peer's bitfield for {@code model}; returns {@code bits}. */
    BitSet putBits(Digest model, BitSet bits) {
      holdings.put(model, bits);
      lastModel = model;
      lastBits = bits;
      return bits;
    }
  }

  private final Map<String, Peer> peers = new TreeMap<>();
  /** The same peers by id, for lookups (every HAVE does one): the sorted map is for walks. */
  private final Map<String, Peer> byId = new HashMap<>();
  /** The peers in id order as an array (the walk in every bestPeer), or null until wanted again. */
  private Peer[] sorted;

  Peer get(String id) {
    return byId.get(id);
  }

  Peer connect(String id) {
    Peer p = byId.get(id);
    if (p == null) {
      p = new Peer(id);
      byId.put(id, p);
      peers.put(id, p);
      sorted = null;
    }
    return p;
  }

  Peer remove(String id) {
    if (byId.remove(id) == null) {
      return null;
    }
    sorted = null;
    return peers.remove(id);
  }

  /** The peers in id order, the same as {@link #all}; the caller must not change the array. */
  Peer[] sorted() {
    if (sorted == null) {
      sorted = peers.values().toArray(new Peer[0]);
    }
    return sorted;
  }

  Collection<Peer> all() {
    return peers.values();
  }
}
