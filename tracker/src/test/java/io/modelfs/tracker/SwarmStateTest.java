package io.modelfs.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.schedule.lease.LeasePolicy;
import io.modelfs.schedule.lease.LeaseTable;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SwarmStateTest {
  private final Fixtures.TestClock clock = new Fixtures.TestClock(1_000_000);
  private final LeasePolicy policy = new LeasePolicy(10_000, 8, 2);
  private final SwarmState state = new SwarmState(3, policy, clock);
  private final ModelRecord model = record(Fixtures.model("m", 100));

  private static ModelRecord record(Fixtures.Model m) {
    return new ModelRecord(m.ref(), m.manifest(), m.sources(), m.chunks(), 0, 0);
  }

  private static List<Integer> range(int from, int to) {
    return IntStream.range(from, to).boxed().toList();
  }

  @Test
  void grantsEachChunkToOneHolderAtATime() throws Exception {
    state.announce("b", model, new byte[0], false, List.of(), List.of()); // b is a member too
    assertEquals(List.of(0), state.lease("a", model, List.of(0, 1), List.of()).granted(), "one new lease per request");
    LeaseTable.Decision a = state.lease("a", model, List.of(0, 1), List.of());
    assertEquals(List.of(0, 1), a.granted());
    LeaseTable.Decision b = state.lease("b", model, List.of(0, 1, 2), List.of());
    assertEquals(List.of(2), b.granted());
    assertEquals(List.of(0, 1), b.busy());
    assertEquals("a", state.leaseHolder(model.ref().digest(), 0));
  }

  @Test
  void limitsNewLeasesToOnePerRequestAndTheBatchPerNodeUnlessTheNodeIsTheOnlyMember() throws Exception {
    LeaseTable.Decision alone = state.lease("a", model, range(0, 5), List.of());
    assertEquals(range(0, 5), alone.granted(), "the only member gets leases at once, up to the cap");
    state.announce("b", model, new byte[0], false, List.of(), List.of());
    LeaseTable.Decision first = state.lease("b", model, range(10, 15), List.of());
    assertEquals(List.of(10), first.granted(), "with company, one new lease per request");
    assertEquals(List.of(11, 12, 13, 14), first.busy());
    assertEquals(List.of(10, 11), state.lease("b", model, range(10, 15), List.of()).granted());
    LeaseTable.Decision shared = state.lease("b", model, range(10, 15), List.of());
    assertEquals(List.of(10, 11), shared.granted(), "at most a batch of 2 held by one node");
    assertEquals(List.of(12, 13, 14), shared.busy());
  }

  @Test
  void capsConcurrentLeasesSwarmWide() throws Exception {
    state.lease("a", model, range(0, 8), List.of());
    assertEquals(8, state.activeLeases());
    LeaseTable.Decision over = state.lease("b", model, List.of(50), List.of());
    assertEquals(List.of(), over.granted());
    assertEquals(List.of(50), over.busy());
    state.lease("a", model, List.of(), List.of(0));
    assertEquals(List.of(50), state.lease("b", model, List.of(50), List.of()).granted(), "a released lease frees a slot");
  }

  @Test
  void leaseLapsesWhenItsHolderFallsSilentAndAnotherTakesItOver() throws Exception {
    state.announce("b", model, new byte[0], false, List.of(), List.of());
    assertEquals(List.of(7), state.lease("a", model, List.of(7), List.of()).granted());
    clock.advance(Duration.ofSeconds(6));
    state.ping("a"); // a is alive: its lease is renewed
    clock.advance(Duration.ofSeconds(6));
    assertEquals(List.of(7), state.lease("b", model, List.of(7), List.of()).busy());
    clock.advance(Duration.ofSeconds(11)); // a silent for 11 s > 10 s TTL
    assertEquals(List.of(7), state.lease("b", model, List.of(7), List.of()).granted());
    assertEquals("b", state.leaseHolder(model.ref().digest(), 7));
  }

  @Test
  void chunkOnAPeerNeedsNoLeaseAndEndsTheLease() throws Exception {
    state.lease("a", model, List.of(3), List.of());
    state.announce("a", model, new byte[0], false, List.of(3), List.of());
    assertNull(state.leaseHolder(model.ref().digest(), 3), "announcing the chunk ends the lease");
    LeaseTable.Decision d = state.lease("b", model, List.of(3), List.of());
    assertEquals(List.of(3), d.onPeers());
    assertEquals(List.of(), d.granted());
  }

  @Test
  void fullBitfieldReplacesAndDeltasAdjust() throws Exception {
    BitSet bits = new BitSet();
    bits.set(0);
    bits.set(99);
    byte[] field = new byte[13];
    byte[] raw = bits.toByteArray();
    System.arraycopy(raw, 0, field, 0, raw.length);
    state.announce("a", model, field, true, List.of(5), List.of(99));
    assertEquals(2, state.chunksHeld("a", model.ref().digest()));
    assertTrue(state.held(model.ref().digest(), 5));
    assertFalse(state.held(model.ref().digest(), 99));
    state.announce("a", model, new byte[13], true, List.of(), List.of());
    assertEquals(0, state.chunksHeld("a", model.ref().digest()));
    assertFalse(state.held(model.ref().digest(), 0));
  }

  @Test
  void rejectsOutOfRangeChunksAndWrongBitfields() {
    assertThrows(TrackerException.class, () -> state.announce("a", model, new byte[0], false, List.of(100), List.of()));
    assertThrows(TrackerException.class, () -> state.announce("a", model, new byte[0], false, List.of(-1), List.of()));
    assertThrows(TrackerException.class, () -> state.announce("a", model, new byte[12], true, List.of(), List.of()));
    byte[] beyond = new byte[13];
    beyond[12] = (byte) 0x80; // bit 103 of a 100-chunk model
    assertThrows(TrackerException.class, () -> state.announce("a", model, beyond, true, List.of(), List.of()));
    assertThrows(TrackerException.class, () -> state.lease("a", model, List.of(1000), List.of()));
    assertEquals(0, state.chunksHeld("a", model.ref().digest()), "a refused announcement changes nothing");
  }

  @Test
  void waiterIsToldWhenAChunkAppearsAndTimesOutOtherwise() throws Exception {
    CompletableFuture<List<Integer>> told = state.await("b", model, List.of(4, 5), 5_000);
    CompletableFuture<List<Integer>> bored = state.await("c", model, List.of(9), 5_000);
    assertFalse(told.isDone());
    state.announce("a", model, new byte[0], false, List.of(5), List.of()).forEach(Runnable::run);
    assertEquals(List.of(5), told.getNow(null));
    assertFalse(bored.isDone());
    clock.advance(Duration.ofSeconds(6));
    state.tick().forEach(Runnable::run);
    assertEquals(List.of(), bored.getNow(null));
    assertEquals(List.of(5), state.await("d", model, List.of(5), 1_000).getNow(null), "already held: answered at once");
  }

  @Test
  void forgetsSilentNodesWithTheirHoldingsAndLeases() throws Exception {
    state.announce("a", model, new byte[0], false, List.of(1), List.of());
    state.lease("a", model, List.of(2), List.of());
    clock.advance(Duration.ofSeconds(31)); // > 3 x 10 s
    state.tick();
    assertFalse(state.held(model.ref().digest(), 1));
    assertNull(state.leaseHolder(model.ref().digest(), 2));
    assertTrue(state.members(model.ref().digest()).isEmpty());
  }

  @Test
  void closingTheTermReleasesWaiters() throws Exception {
    CompletableFuture<List<Integer>> f = state.await("b", model, List.of(4), 5_000);
    state.close().forEach(Runnable::run);
    assertEquals(List.of(), f.getNow(null));
  }
}
