package io.modelfs.schedule;

import io.modelfs.core.Digest;
import java.util.BitSet;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * The connected peers as this node sees them: each one's bitfields per model and how many of
 * our fetches it serves right now. Sorted by id so that every walk over them is deterministic.
 */
final class Peers {
  static final class Peer {
    final String id;
    final Map<Digest, BitSet> holdings = new TreeMap<>();
    int active;

    Peer(String id) {
      this.id = id;
    }

    boolean has(ChunkId chunk) {
      BitSet b = holdings.get(chunk.model());
      return b != null && b.get(chunk.index());
    }
  }

  private final Map<String, Peer> peers = new TreeMap<>();

  Peer get(String id) {
    return peers.get(id);
  }

  Peer connect(String id) {
    return peers.computeIfAbsent(id, Peer::new);
  }

  Peer remove(String id) {
    return peers.remove(id);
  }

  Collection<Peer> all() {
    return peers.values();
  }
}
