package io.modelfs.tracker;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
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
    // Keep the n best in a heap whose head is the worst kept: O(candidates · log n), no full
    // sort of the fleet (a leader answers this for every node every few seconds).
    PriorityQueue<Ranked> best = new PriorityQueue<>(n + 1, ORDER.reversed());
    for (NodeRecord c : candidates) {
      if (c.id().equals(self.id())) {
        continue;
      }
      Ranked r = new Ranked(c, !members.contains(c.id()), !c.zone().equals(self.zone()), mix(self.id(), c.id()));
      if (best.size() < n) {
        best.add(r);
      } else if (ORDER.compare(r, best.peek()) < 0) {
        best.poll();
        best.add(r);
      }
    }
    Ranked[] kept = best.toArray(new Ranked[0]);
    Arrays.sort(kept, ORDER);
    List<NodeRecord> out = new ArrayList<>(kept.length);
    for (Ranked r : kept) {
      out.add(r.node());
    }
    return out;
  }

  private record Ranked(NodeRecord node, boolean stranger, boolean farAway, long hash) {}

  /** Holders before strangers, same zone before far away, then by the pair's hash, then by id. */
  private static final Comparator<Ranked> ORDER = (a, b) -> {
    int c = Boolean.compare(a.stranger, b.stranger);
    if (c == 0) {
      c = Boolean.compare(a.farAway, b.farAway);
    }
    if (c == 0) {
      c = Long.compare(a.hash, b.hash);
    }
    return c != 0 ? c : a.node.id().compareTo(b.node.id());
  };

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
