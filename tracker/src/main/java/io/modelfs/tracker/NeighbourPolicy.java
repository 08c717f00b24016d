package io.modelfs.tracker;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Chooses a node's neighbours: nodes that hold the model first, then the same zone first, and
 * within each group an order by a hash of (asker, candidate) — rendezvous hashing — so each
 * node sees its own order and no node is everyone's first choice.
 */
final class NeighbourPolicy {
  static final int MAX = 50;

  private NeighbourPolicy() {}

  static List<NodeRecord> choose(NodeRecord self, Collection<NodeRecord> candidates, Set<String> members, int limit) {
    int n = limit <= 0 ? MAX : Math.min(limit, MAX);
    record Ranked(NodeRecord node, boolean stranger, boolean farAway, long hash) {}
    Comparator<Ranked> order = Comparator.comparing(Ranked::stranger)
        .thenComparing(Ranked::farAway)
        .thenComparingLong(Ranked::hash)
        .thenComparing(r -> r.node().id());
    return candidates.stream()
        .filter(c -> !c.id().equals(self.id()))
        .map(c -> new Ranked(c, !members.contains(c.id()), !c.zone().equals(self.zone()), mix(self.id(), c.id())))
        .sorted(order)
        .limit(n)
        .map(Ranked::node)
        .toList();
  }

  /** A well-spread 64-bit hash of the pair (FNV-1a over the UTF-16 chars, then SplitMix64's finalizer). */
  static long mix(String a, String b) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < a.length(); i++) {
      h = (h ^ a.charAt(i)) * 0x100000001b3L;
    }
    h = (h ^ 0xffff) * 0x100000001b3L;
    for (int i = 0; i < b.length(); i++) {
      h = (h ^ b.charAt(i)) * 0x100000001b3L;
    }
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }
}
