package io.modelfs.schedule;

import static io.modelfs.schedule.Harness.MODEL;
import static io.modelfs.schedule.Harness.OTHER;
import static io.modelfs.schedule.Harness.c;
import static io.modelfs.schedule.Harness.caps;
import static io.modelfs.schedule.Harness.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Rarest-first, deterministic spreading, endgame, pacing and fairness across models. */
class PolicyTest {
  private static final Duration STALL = Duration.ofSeconds(10);
  private static final Duration LEASE_WAIT = Duration.ofSeconds(2);

  @Test
  void prefetchTakesTheChunkFewestPeersHoldFirst() {
    Harness h = new Harness(caps(1, 4, 8), false).open(MODEL, 3);
    h.peerHas("p1", 0, 1, 2);
    h.peerHas("p2", 1, 2);
    h.peerHas("p3", 2);
    h.s.wantAll(MODEL, Need.PREFETCH);
    assertEquals(List.of("peer p1 #0"), h.take());
    h.s.chunkVerified(c(0), Source.peer("p1"));
    assertTrue(h.take().get(0).endsWith("#1"));
  }

  @Test
  void rarityFollowsAnnouncementsWhileQueued() {
    Harness h = new Harness(caps(1, 4, 8), false).open(MODEL, 4);
    h.peerHas("p1", 0, 1, 2, 3);
    h.peerHas("p2", 0, 1, 2, 3);
    h.s.wantAll(MODEL, Need.PREFETCH);
    ChunkId first = chunkOf(h.take().get(0));
    int rare = (first.index() + 2) % 4;
    h.s.dropped("p2", c(rare));
    h.s.chunkVerified(first, Source.peer("p1"));
    assertEquals(List.of("peer p1 #" + rare), h.take());
  }

  @Test
  void equalChoicesAreDeterministicPerNodeAndDifferAcrossNodes() {
    List<String> a1 = firstOrder("node-a");
    List<String> a2 = firstOrder("node-a");
    List<String> b = firstOrder("node-b");
    assertEquals(a1, a2, "the same events give the same commands");
    assertNotEquals(a1, b, "two nodes spread over different chunks");
  }

  private static List<String> firstOrder(String self) {
    List<String> log = new ArrayList<>();
    Actions record = new Actions() {
      @Override
      public void fetchFromPeer(String peer, ChunkId chunk) {
        log.add(peer + " " + chunk.index());
      }

      @Override
      public void fetchFromOrigin(ChunkId chunk, boolean leased) {
        log.add("origin " + chunk.index());
      }

      @Override
      public void requestLeases(io.modelfs.core.Digest model, List<Integer> chunks, List<Integer> released) {
        log.add("lease " + chunks);
      }

      @Override
      public void cancel(Source from, ChunkId chunk) {}
    };
    SwarmScheduler s = new SwarmScheduler(self, caps(8, 2, 8), () -> 0, record, true);
    s.open(MODEL, new long[64], new BitSet());
    BitSet half = new BitSet();
    half.set(0, 32);
    s.have("p1", MODEL, half);
    s.have("p2", MODEL, half);
    s.have("p3", MODEL, half);
    s.have("p4", MODEL, half);
    s.wantAll(MODEL, Need.PREFETCH);
    return log;
  }

  @Test
  void endgameAsksASecondPeerAndCancelsTheLoser() {
    SchedulerConfig cfg = new SchedulerConfig(16, 4, 8, 0, 4, 0, STALL, LEASE_WAIT, 8, 2, 0);
    Harness h = new Harness(cfg, false).open(MODEL, 2);
    h.peerHas("p1", 0, 1);
    h.peerHas("p2", 0, 1);
    h.s.wantAll(MODEL, Need.PREFETCH);
    List<String> cmds = h.take();
    assertEquals(4, cmds.size(), cmds.toString());
    assertTrue(cmds.containsAll(List.of("peer p1 #0", "peer p2 #0", "peer p1 #1", "peer p2 #1")), cmds.toString());
    assertEquals(2, h.s.stats().endgameDuplicates());
    h.s.chunkVerified(c(0), Source.peer("p2"));
    assertEquals(List.of("cancel peer p1 #0"), h.take());
    h.s.fetchFailed(c(0), Source.peer("p1"), Failure.DISCONNECTED); // the loser's late outcome
    assertEquals(List.of(), h.take());
    assertEquals(2, h.s.stats().outstanding());
  }

  @Test
  void noDuplicatesOutsideEndgame() {
    SchedulerConfig cfg = new SchedulerConfig(16, 4, 8, 0, 4, 0, STALL, LEASE_WAIT, 8, 2, 0);
    Harness h = new Harness(cfg, false).open(MODEL, 3);
    h.peerHas("p1", 0, 1, 2);
    h.peerHas("p2", 0, 1, 2);
    h.s.wantAll(MODEL, Need.PREFETCH);
    assertEquals(3, h.take().size());
    assertEquals(0, h.s.stats().endgameDuplicates());
  }

  @Test
  void pacesFetchStartsAtTheDownloadRate() {
    SchedulerConfig cfg = new SchedulerConfig(16, 16, 8, 2 * Harness.MIB, 4, 0, STALL, LEASE_WAIT, 8, 0, 0);
    Harness h = new Harness(cfg, false).open(MODEL, 8);
    h.peerHas("p1", range(0, 8));
    h.s.wantAll(MODEL, Need.PREFETCH);
    assertEquals(1, h.take().size());
    assertEquals(h.now + 500_000_000L, h.s.nextDeadline());
    h.advance(Duration.ofMillis(499));
    assertEquals(0, h.take().size());
    h.advance(Duration.ofMillis(1));
    assertEquals(1, h.take().size());
    h.advance(Duration.ofSeconds(2));
    assertEquals(1, h.take().size(), "a pause does not bank a burst");
  }

  @Test
  void modelsTakeTurnsAtPrefetchSlots() {
    Harness h = new Harness(caps(2, 4, 8), false).open(MODEL, 8).open(OTHER, 8);
    h.peerHas("p1", range(0, 8));
    BitSet all = new BitSet();
    all.set(0, 8);
    h.s.have("p1", OTHER, all);
    h.s.wantAll(MODEL, Need.PREFETCH);
    java.util.ArrayDeque<String> running = new java.util.ArrayDeque<>(h.take());
    h.s.wantAll(OTHER, Need.PREFETCH);
    assertEquals(List.of(), h.take(), "both slots are taken by the first model");
    List<String> models = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      String done = running.poll();
      h.s.chunkVerified(Harness.chunkOf(done), Harness.sourceOf(done));
      for (String next : h.take()) {
        models.add(next.contains(" of ") ? "other" : "model");
        running.add(next);
      }
    }
    long other = models.stream().filter("other"::equals).count();
    assertEquals(List.of("other", "model", "other", "model", "other", "model", "other", "model"), models);
  }

  private static ChunkId chunkOf(String cmd) {
    return Harness.chunkOf(cmd);
  }
}
