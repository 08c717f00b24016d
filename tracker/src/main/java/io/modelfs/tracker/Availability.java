package io.modelfs.tracker;

import io.modelfs.core.Digest;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which chunks each node holds, per model: one bitfield per node per model, plus a count of
 * holders per chunk so "does any peer hold chunk i" is one array read. Soft state: lives on the
 * leader only and is rebuilt from the nodes' announcements after a failover.
 *
 * <p>Not thread-safe: {@link SwarmState} owns it.
 */
final class Availability {
  private final Map<Digest, ModelHolders> byModel = new HashMap<>();

  private static final class ModelHolders {
    final int chunkCount;
    final Map<String, BitSet> nodes = new HashMap<>();
    final int[] holders;

    ModelHolders(int chunkCount) {
      this.chunkCount = chunkCount;
      this.holders = new int[chunkCount];
    }
  }

  /**
   * Applies one announcement after its indices were validated. Returns the chunks this node
   * now holds that it did not before (so waiters can be told).
   */
  BitSet apply(String node, Digest model, int chunkCount, BitSet full, List<Integer> have, List<Integer> dropped) {
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

  boolean held(Digest model, int chunk) {
    ModelHolders m = byModel.get(model);
    return m != null && m.holders[chunk] > 0;
  }

  /** The nodes that announced anything for {@code model} (even an empty bitfield). */
  Set<String> members(Digest model) {
    ModelHolders m = byModel.get(model);
    return m == null ? Set.of() : Set.copyOf(m.nodes.keySet());
  }

  /** How many chunks of {@code model} this node holds (0 if it never announced). */
  int count(String node, Digest model) {
    ModelHolders m = byModel.get(model);
    BitSet b = m == null ? null : m.nodes.get(node);
    return b == null ? 0 : b.cardinality();
  }

  /** Forgets everything a node announced. */
  void removeNode(String node) {
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
