package io.modelfs.schedule.lease;

import io.modelfs.core.Digest;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which chunks each node holds, per model: one bitfield per node per model, plus a count of
 * holders per chunk so "does any peer hold chunk i" is one array read. The tracker keeps it as
 * soft state on its leader (rebuilt from the nodes' announcements after a failover); the
 * simulator keeps one for its modelled tracker. Sorted maps throughout, so walks are
 * deterministic.
 *
 * <p>Not thread-safe: its owner (the tracker's {@code SwarmState}) serialises access.
 */
public final class Availability {
  private final Map<Digest, ModelHolders> byModel = new TreeMap<>();

  private static final class ModelHolders {
    final Map<String, BitSet> nodes = new TreeMap<>();
    final int[] holders;

    ModelHolders(int chunkCount) {
      this.holders = new int[chunkCount];
    }
  }

  /**
   * Applies one announcement whose indices the caller validated ({@code 0 <= i < chunkCount}):
   * {@code full} (if not null) replaces the node's bitfield, then {@code have} are set and
   * {@code dropped} cleared. Returns the chunks this node now holds that it did not before (so
   * waiters can be told).
   */
  public BitSet apply(String node, Digest model, int chunkCount, BitSet full, List<Integer> have, List<Integer> dropped) {
    ModelHolders m = byModel.computeIfAbsent(model, k -> new ModelHolders(chunkCount));
    BitSet mine = m.nodes.computeIfAbsent(node, k -> new BitSet(chunkCount));
    BitSet before = (BitSet) mine.clone();
    if (full != null) {
      mine.clear();
      mine.or(full);
    }
    have.forEach(mine::set);
    dropped.forEach(mine::clear);
    BitSet gained = (BitSet) mine.clone();
    gained.andNot(before);
    BitSet lost = (BitSet) before.clone();
    lost.andNot(mine);
    gained.stream().forEach(i -> m.holders[i]++);
    lost.stream().forEach(i -> m.holders[i]--);
    return gained;
  }

  /** True if any node holds the chunk. */
  public boolean held(Digest model, int chunk) {
    ModelHolders m = byModel.get(model);
    return m != null && chunk >= 0 && chunk < m.holders.length && m.holders[chunk] > 0;
  }

  /** How many nodes hold the chunk. */
  public int holders(Digest model, int chunk) {
    ModelHolders m = byModel.get(model);
    return m == null || chunk < 0 || chunk >= m.holders.length ? 0 : m.holders[chunk];
  }

  /** The nodes that announced anything for {@code model} (even an empty bitfield), sorted. */
  public SortedSet<String> members(Digest model) {
    ModelHolders m = byModel.get(model);
    return m == null ? Collections.emptySortedSet() : Collections.unmodifiableSortedSet(new TreeSet<>(m.nodes.keySet()));
  }

  /** How many chunks of {@code model} this node holds (0 if it never announced). */
  public int count(String node, Digest model) {
    ModelHolders m = byModel.get(model);
    BitSet b = m == null ? null : m.nodes.get(node);
    return b == null ? 0 : b.cardinality();
  }

  /** A copy of what one node announced: per model (sorted), its bitfield (empty map if nothing). */
  public Map<Digest, BitSet> holdings(String node) {
    Map<Digest, BitSet> out = new TreeMap<>();
    byModel.forEach((model, m) -> {
      BitSet b = m.nodes.get(node);
      if (b != null) {
        out.put(model, (BitSet) b.clone());
      }
    });
    return out;
  }

  /** Forgets everything a node announced. */
  public void removeNode(String node) {
    var it = byModel.values().iterator();
    while (it.hasNext()) {
      ModelHolders m = it.next();
      BitSet b = m.nodes.remove(node);
      if (b != null) {
        b.stream().forEach(i -> m.holders[i]--);
      }
      if (m.nodes.isEmpty()) {
        it.remove();
      }
    }
  }
}
