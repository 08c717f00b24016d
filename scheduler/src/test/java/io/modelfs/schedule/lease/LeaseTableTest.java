package io.modelfs.schedule.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LeaseTableTest {
  private static final Digest M = Digest.sha256("m".getBytes(StandardCharsets.UTF_8));
  private final List<Boolean> grants = new ArrayList<>();
  private final LeaseTable table = new LeaseTable(new LeasePolicy(10_000, 8, 2), grants::add);

  private static List<Integer> range(int from, int to) {
    return IntStream.range(from, to).boxed().toList();
  }

  @Test
  void grantsEachChunkToOneHolderAtATime() {
    assertEquals(List.of(0), table.request("a", M, List.of(0, 1), false, c -> false, 0).granted());
    assertEquals(List.of(1), table.request("a", M, List.of(1), false, c -> false, 0).granted(), "one new lease per request");
    LeaseTable.Decision b = table.request("b", M, List.of(0, 1, 2), false, c -> false, 0);
    assertEquals(List.of(2), b.granted());
    assertEquals(List.of(0, 1), b.busy());
    assertEquals(List.of(0), table.request("a", M, List.of(0), false, c -> false, 0).granted(), "the holder asking again keeps it");
    assertEquals("a", table.holder(M, 0));
    assertEquals(2, table.heldBy("a"));
  }

  @Test
  void aChunkOnPeersFlaggedUnreachableIsLeasedToOneNodeAtATime() {
    LeaseTable.Decision a = table.request("a", M, List.of(0, 1), c -> c == 0, false, c -> true, 0);
    assertEquals(List.of(0), a.granted(), "unreachable holders: the origin under a lease");
    assertEquals(List.of(1), a.onPeers(), "unflagged: take it from a peer");
    LeaseTable.Decision b = table.request("b", M, List.of(0), c -> true, false, c -> true, 0);
    assertEquals(List.of(0), b.busy(), "a second node waits for the first to announce it");
    table.chunkAppeared(M, 0);
    assertEquals(List.of(0), table.request("b", M, List.of(0), c -> true, false, c -> true, 0).granted(),
        "a node that still reaches no holder after it appeared gets the next lease");
  }

  @Test
  void limitsNewLeasesToOnePerRequestUnlessTheOnlyMemberAndCapsThemSwarmWide() {
    assertEquals(range(0, 5), table.request("a", M, range(0, 5), true, c -> false, 0).granted());
    LeaseTable.Decision shared = table.request("b", M, range(10, 15), false, c -> false, 0);
    assertEquals(List.of(10), shared.granted());
    assertEquals(List.of(11, 12, 13, 14), shared.busy());
    assertEquals(List.of(11), table.request("b", M, range(11, 15), false, c -> false, 0).granted());
    assertEquals(List.of(), table.request("b", M, range(12, 15), false, c -> false, 0).granted(), "b holds the batch (2)");
    table.request("c", M, range(20, 30), true, c -> false, 0);
    assertEquals(8, table.active());
    table.release("a", M, 0);
    table.release("b", M, 1); // not b's: left alone
    assertEquals(7, table.active());
  }

  @Test
  void aLeaseLapsesWhenItsHolderFallsSilentAndATakeoverIsCounted() {
    table.request("a", M, List.of(7), false, c -> false, 0);
    table.renew("a", 6_000);
    assertEquals(List.of(7), table.request("b", M, List.of(7), false, c -> false, 12_000).busy());
    assertEquals(List.of(7), table.request("b", M, List.of(7), false, c -> false, 16_000).granted());
    assertEquals("b", table.holder(M, 7));
    assertEquals(List.of(false, true), grants);
  }

  @Test
  void aChunkOnAPeerNeedsNoLeaseAndItsAppearanceEndsTheLease() {
    table.request("a", M, List.of(3), false, c -> false, 0);
    table.chunkAppeared(M, 3);
    assertNull(table.holder(M, 3));
    LeaseTable.Decision d = table.request("b", M, List.of(3), false, c -> c == 3, 0);
    assertEquals(List.of(3), d.onPeers());
    assertEquals(List.of(), d.granted());
  }

  @Test
  void aRemovedNodesLeasesEndAtOnce() {
    table.request("a", M, List.of(1, 2), false, c -> false, 0);
    table.request("a", M, List.of(2), false, c -> false, 0);
    table.removeNode("a");
    assertEquals(0, table.active());
    assertEquals(List.of(1), table.request("b", M, List.of(1, 2), false, c -> false, 1).granted());
    assertEquals(List.of(2), table.request("b", M, List.of(2), false, c -> false, 1).granted());
    assertEquals(List.of(false, false, true, true), grants);
  }

  @Test
  void rejectsANonPositivePolicy() {
    assertThrows(IllegalArgumentException.class, () -> new LeasePolicy(0, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> new LeasePolicy(1, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new LeasePolicy(1, 1, 0));
  }

  @Test
  void availabilityCountsHoldersAndReplacesFullBitfields() {
    Availability a = new Availability();
    BitSet full = new BitSet();
    full.set(0);
    full.set(9);
    assertEquals(bits(0, 5), a.apply("x", M, 10, full, List.of(5), List.of(9)), "gained: the full bitfield, +5, -9");
    a.apply("y", M, 10, null, List.of(5), List.of());
    assertEquals(2, a.holders(M, 5));
    assertEquals(List.of("x", "y"), List.copyOf(a.members(M)));
    assertEquals(2, a.count("x", M));
    a.apply("x", M, 10, new BitSet(), List.of(), List.of());
    assertFalse(a.held(M, 0));
    assertTrue(a.held(M, 5));
    a.removeNode("y");
    assertFalse(a.held(M, 5));
    assertEquals(List.of("x"), List.copyOf(a.members(M)));
  }

  private static BitSet bits(int... i) {
    BitSet b = new BitSet();
    for (int x : i) {
      b.set(x);
    }
    return b;
  }
}
