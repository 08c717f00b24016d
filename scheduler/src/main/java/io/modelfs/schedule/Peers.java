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
    /** Model → bitfield; looked up, and walked only where the order does not matter. */
    final Map<Digest, BitSet> holdings = new HashMap<>(4);
    int active;
    /**
     * After a BUSY refusal (its upload queue is full) the peer is asked for no chunk until this
     * time (ticker nanos); {@link #busyStreak} refusals in a row, each one after the last backoff
     * ended, double the wait. A chunk verified from it ends the streak.
     */
    long busyUntil = Long.MIN_VALUE;
    int busyStreak;

    Peer(String id) {
      this.id = id;
    }

    boolean has(ChunkId chunk) {
      BitSet b = holdings.get(chunk.model());
      return b != null && b.get(chunk.index());
    }
  }

  private final Map<String, Peer> peers = new TreeMap<>();
  /** The same peers by id, for lookups (every HAVE does one): the sorted map is for walks. */
  private final Map<String, Peer> byId = new HashMap<>();

  Peer get(String id) {
    return byId.get(id);
  }

  Peer connect(String id) {
    Peer p = byId.get(id);
    if (p == null) {
      p = new Peer(id);
      byId.put(id, p);
      peers.put(id, p);
    }
    return p;
  }

  Peer remove(String id) {
    byId.remove(id);
    return peers.remove(id);
  }

  Collection<Peer> all() {
    return peers.values();
  }
}
