package io.modelfs.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NeighbourPolicyTest {
  private static List<NodeRecord> fleet(int n, int zones) {
    List<NodeRecord> nodes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      nodes.add(new NodeRecord("node-" + i, "10.0.0." + (i % 250) + ":7400", "zone-" + (i % zones), 0, 0, 0, Set.of()));
    }
    return nodes;
  }

  @Test
  void givesAtMostFiftyHoldersFirstThenSameZone() {
    List<NodeRecord> nodes = fleet(200, 4);
    NodeRecord self = nodes.get(0);
    List<NodeRecord> chosen = NeighbourPolicy.choose(self, nodes, Set.of("node-7", "node-9"), 100);
    assertEquals(50, chosen.size());
    assertTrue(chosen.stream().noneMatch(n -> n.id().equals(self.id())), "not itself");
    assertEquals(Set.of("node-7", "node-9"), Set.of(chosen.get(0).id(), chosen.get(1).id()), "holders first");
    assertTrue(chosen.subList(2, 50).stream().allMatch(n -> n.zone().equals(self.zone())), "then its own zone (49 candidates)");
  }

  @Test
  void noNodeIsEveryonesFirstChoice() {
    List<NodeRecord> nodes = fleet(500, 1);
    Map<String, Integer> firstChoice = new HashMap<>();
    for (NodeRecord self : nodes) {
      firstChoice.merge(NeighbourPolicy.choose(self, nodes, Set.of(), 50).get(0).id(), 1, Integer::sum);
    }
    int worst = firstChoice.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
    assertTrue(worst <= 10, "the most popular first choice is picked by " + worst + " of 500 nodes");
    assertTrue(firstChoice.size() > 250, "first choices spread over " + firstChoice.size() + " nodes");
  }

  @Test
  void choosesTheSameNodesInTheSameOrderAsSortingTheWholeFleet() {
    List<NodeRecord> nodes = fleet(1_000, 4);
    java.util.Random random = new java.util.Random(7);
    for (int round = 0; round < 50; round++) {
      NodeRecord self = nodes.get(random.nextInt(nodes.size()));
      Set<String> members = new java.util.HashSet<>();
      for (int i = random.nextInt(120); i > 0; i--) {
        members.add("node-" + random.nextInt(nodes.size()));
      }
      int limit = 1 + random.nextInt(60);
      List<String> expected = nodes.stream().filter(c -> !c.id().equals(self.id()))
          .sorted(java.util.Comparator.<NodeRecord, Boolean>comparing(c -> !members.contains(c.id()))
              .thenComparing(c -> !c.zone().equals(self.zone()))
              .thenComparingLong(c -> NeighbourPolicy.mix(self.id(), c.id()))
              .thenComparing(NodeRecord::id))
          .limit(Math.min(limit, NeighbourPolicy.MAX)).map(NodeRecord::id).toList();
      List<String> chosen = NeighbourPolicy.choose(self, nodes, members, limit).stream().map(NodeRecord::id).toList();
      assertEquals(expected, chosen, "round " + round + ": " + self.id() + ", limit " + limit);
    }
  }
}
