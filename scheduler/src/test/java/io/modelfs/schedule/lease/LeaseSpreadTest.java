package io.modelfs.schedule.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.modelfs.core.Digest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Origin leases are spread over the nodes that ask (issue 9): each node reads the origin through
 * its own connection, so a burst of first requests must not let a few nodes take the whole cap.
 */
class LeaseSpreadTest {
  private static final Digest M = Digest.sha256("spread".getBytes(StandardCharsets.UTF_8));

  private static List<Integer> range(int from, int to) {
    return IntStream.range(from, to).boxed().toList();
  }

  @Test
  void aBurstOfFirstRequestsGivesOneLeaseToEachOfAsManyNodesAsTheCap() {
    LeaseTable table = new LeaseTable(new LeasePolicy(10_000, 8, 4));
    for (int n = 0; n < 8; n++) {
      LeaseTable.Decision d = table.request("n" + n, M, range(4 * n, 4 * n + 4), false, c -> false, 0);
      assertEquals(List.of(4 * n), d.granted(), "node n" + n + " (the old rule gave the first two nodes all 8)");
    }
    assertEquals(8, table.active());
    for (int n = 0; n < 8; n++) {
      assertEquals(1, table.heldBy("n" + n));
    }
    assertEquals(range(40, 44), table.request("n8", M, range(40, 44), false, c -> false, 0).busy(), "the cap is spent");
  }

  @Test
  void aNodeOfASmallSwarmAskingAgainHoldsUpToTheBatch() {
    LeaseTable table = new LeaseTable(new LeasePolicy(10_000, 64, 4));
    table.request("other", M, List.of(100), false, c -> false, 0);
    for (int k = 0; k < 4; k++) {
      assertEquals(List.of(k), table.request("a", M, range(k, 10), false, c -> false, k).granted(), "request " + k);
    }
    assertEquals(List.of(), table.request("a", M, range(4, 10), false, c -> false, 5).granted(), "held: the batch");
    table.chunkAppeared(M, 0);
    assertEquals(List.of(4), table.request("a", M, range(4, 10), false, c -> false, 6).granted(), "one came back");
  }

  @Test
  void whileManyNodesAskANodeHoldsOnlyItsShareOfTheCap() {
    LeaseTable table = new LeaseTable(new LeasePolicy(10_000, 4, 4));
    for (int n = 0; n < 4; n++) {
      table.request("n" + n, M, List.of(n), false, c -> false, 0);
    }
    table.chunkAppeared(M, 1);
    table.chunkAppeared(M, 2);
    table.chunkAppeared(M, 3);
    assertEquals(List.of(), table.request("n0", M, List.of(10), false, c -> false, 1_000).granted(),
        "4 askers share a cap of 4: one each, though 3 are free");
    assertEquals(List.of(11), table.request("n1", M, List.of(11), false, c -> false, 1_000).granted());
    // The others fall silent: after a TTL only n0 asks, and its share is the whole cap again.
    assertEquals(List.of(12), table.request("n0", M, List.of(12), false, c -> false, 11_000).granted());
  }

  @Test
  void theOnlyMemberTakesAllItAsksFor() {
    LeaseTable table = new LeaseTable(new LeasePolicy(10_000, 64, 4));
    assertEquals(range(0, 10), table.request("a", M, range(0, 10), true, c -> false, 0).granted());
  }
}
