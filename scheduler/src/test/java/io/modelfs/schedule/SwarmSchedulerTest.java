package io.modelfs.schedule;

import static io.modelfs.schedule.Harness.MODEL;
import static io.modelfs.schedule.Harness.c;
import static io.modelfs.schedule.Harness.caps;
import static io.modelfs.schedule.Harness.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class SwarmSchedulerTest {
  private static final Duration STALL = Duration.ofSeconds(10);
  private static final Duration LEASE_WAIT = Duration.ofSeconds(2);

  // ---- fetch path

  @Test
  void neverFetchesAChunkTheStoreHolds() {
    Harness h = new Harness(caps(16, 4, 8), false).open(MODEL, 3, 0, 2);
    h.s.want(c(0), Need.FOREGROUND);
    assertEquals(List.of(), h.take());
    h.s.wantAll(MODEL, Need.PREFETCH);
    assertEquals(List.of("origin #1 unleased"), h.take());
    assertTrue(h.s.holds(c(0)));
    assertFalse(h.s.holds(c(1)));
    assertEquals(1, h.s.stats().wanted());
  }

  @Test
  void fetchesFromAPeerThatAnnouncedTheChunkBeforeAskingForALease() {
    Harness h = new Harness(caps(16, 4, 8), true).open(MODEL, 4);
    h.s.peerConnected("p1");
    h.s.have("p1", c(2));
    h.s.want(c(2), Need.FOREGROUND);
    assertEquals(List.of("peer p1 #2"), h.take());
    h.s.chunkVerified(c(2), Source.peer("p1"));
    assertTrue(h.s.holds(c(2)));
    assertEquals(0, h.s.stats().outstanding());
    assertEquals(0, h.s.stats().wanted());
  }

  @Test
  void takesAChunkNoPeerHasFromTheOriginOnlyUnderALease() {
    Harness h = new Harness(caps(16, 4, 8), true).open(MODEL, 4);
    h.s.want(c(1), Need.FOREGROUND);
    assertEquals(List.of("lease [1] release []"), h.take());
    h.s.leaseAnswer(MODEL, List.of(1), List.of(), List.of());
    assertEquals(List.of("origin #1 leased"), h.take());
    h.s.chunkVerified(c(1), Source.ORIGIN);
    assertEquals(new SwarmScheduler.Stats(0, 1, 0, 1, 0, 0, 0, 0, 0), h.s.stats());
  }

  @Test
  void withoutATrackerGoesStraightToTheOriginWhenNoPeerHasTheChunk() {
    Harness h = new Harness(caps(16, 4, 8), false).open(MODEL, 4);
    h.peerHas("p1", 0);
    h.s.want(c(0), Need.FOREGROUND);
    h.s.want(c(1), Need.FOREGROUND);
    assertEquals(List.of("peer p1 #0", "origin #1 unleased"), h.take());
  }

  @Test
  void aChunkLeasedToAnotherNodeIsTakenFromThePeerThatAnnouncesIt() {
    Harness h = new Harness(caps(16, 4, 8), true).open(MODEL, 4);
    h.s.want(c(0), Need.FOREGROUND);
    h.take();
    h.s.leaseAnswer(MODEL, List.of(), List.of(), List.of(0));
    assertEquals(List.of(), h.take());
    h.now += LEASE_WAIT.toNanos() / 2;
    h.s.have("p7", c(0));
    assertEquals(List.of("peer p7 #0"), h.take());
  }

  @Test
  void asksAgainForABusyChunkAfterLeaseWait() {
    Harness h = new Harness(caps(16, 4, 8), true).open(MODEL, 4);
    h.s.want(c(0), Need.FOREGROUND);
    h.take();
    h.s.leaseAnswer(MODEL, List.of(), List.of(), List.of(0));
    assertEquals(h.now + LEASE_WAIT.toNanos(), h.s.nextDeadline());
    h.advance(Duration.ofMillis(1999));
    assertEquals(List.of(), h.take());
    h.advance(Duration.ofMillis(1));
    assertEquals(List.of("lease [0] release []"), h.take());
    h.s.leaseAnswer(MODEL, List.of(0), List.of(), List.of());
    assertEquals(List.of("origin #0 leased"), h.take());
  }

  @Test
  void aChunkWhoseHoldersStayUnreachableIsAskedForFlaggedAndFetchedOnlyUnderTheLease() {
    Harness h = new Harness(caps(16, 4, 8), true).open(MODEL, 2);
    h.s.want(c(0), Need.FOREGROUND);
    for (int round = 0; round < SwarmScheduler.FRUITLESS_ROUNDS; round++) {
      assertEquals(List.of("lease [0] release []"), h.take(), "round " + round);
      h.s.leaseAnswer(MODEL, List.of(), List.of(0), List.of());
      h.advance(LEASE_WAIT);
    }
    // No unleased origin fetch while the tracker answers: the request flags the chunk instead.
    assertEquals(List.of("lease [0] unreachable [0] release []"), h.take());
    h.s.leaseAnswer(MODEL, List.of(), List.of(), List.of(0)); // another node got the lease
    h.advance(LEASE_WAIT);
    assertEquals(List.of("lease [0] unreachable [0] release []"), h.take());
    h.s.leaseAnswer(MODEL, List.of(0), List.of(), List.of());
    assertEquals(List.of("origin #0 leased"), h.take());
    assertEquals(0, h.s.stats().unleasedOriginFetches());
  }

  @Test
  void aHolderThatConnectsEndsTheUnreachableFlag() {
    Harness h = new Harness(caps(16, 4, 8), true).open(MODEL, 2);
    h.s.wantAll(MODEL, Need.FOREGROUND);
    for (int round = 0; round < SwarmScheduler.FRUITLESS_ROUNDS; round++) {
      assertEquals(List.of("lease [0, 1] release []"), h.take(), "round " + round);
      h.s.leaseAnswer(MODEL, List.of(), List.of(0, 1), List.of());
      h.advance(LEASE_WAIT);
    }
    assertEquals(List.of("lease [0, 1] unreachable [0, 1] release []"), h.take());
    h.s.leaseAnswer(MODEL, List.of(), List.of(), List.of(0, 1));
    h.peerHas("p1", 0);
    assertEquals(List.of("peer p1 #0"), h.take());
    h.s.chunkVerified(c(0), Source.peer("p1"));
    h.advance(LEASE_WAIT);
    assertEquals(List.of("lease [1] unreachable [1] release []"), h.take(), "chunk 1 still has no reachable holder");
  }

  @Test
  void aBusyHolderIsNotAFruitlessRound() {
    SchedulerConfig cfg = new SchedulerConfig(16, 1, 8, 0, 4, 0, Duration.ofMinutes(1), LEASE_WAIT, 8, 0, 0);
    Harness h = new Harness(cfg, true).open(MODEL, 3);
    h.s.want(c(2), Need.FOREGROUND);
    assertEquals(List.of("lease [2] release []"), h.take());
    h.peerHas("p1", 0, 1);
    h.s.want(c(1), Need.FOREGROUND);
    assertEquals(List.of("peer p1 #1"), h.take());
    h.s.want(c(0), Need.FOREGROUND); // p1 is at its per-peer cap: reachable, not asked of the tracker
    for (int round = 0; round < 2 * SwarmScheduler.FRUITLESS_ROUNDS; round++) {
      h.s.leaseAnswer(MODEL, List.of(), List.of(0, 2), List.of());
      h.advance(LEASE_WAIT);
      for (String x : h.take()) {
        assertTrue(!x.contains("unreachable [0") && !x.startsWith("origin"), x);
      }
    }
  }

  @Test
  void aConnectedHolderThatIsBusyIsWaitedForNotBypassedToTheOrigin() {
    SchedulerConfig cfg = new SchedulerConfig(16, 1, 8, 0, 4, 0, Duration.ofMinutes(1), LEASE_WAIT, 8, 0, 0);
    Harness h = new Harness(cfg, true).open(MODEL, 2);
    h.peerHas("p1", 0, 1);
    h.s.want(c(1), Need.FOREGROUND);
    assertEquals(List.of("peer p1 #1"), h.take());
    h.s.want(c(0), Need.FOREGROUND); // p1 is at its per-peer cap
    List<String> all = new java.util.ArrayList<>(h.take());
    for (int round = 0; round < 2 * SwarmScheduler.FRUITLESS_ROUNDS; round++) {
      h.s.leaseAnswer(MODEL, List.of(), List.of(0), List.of());
      for (int i = 0; i < 4; i++) {
        h.advance(LEASE_WAIT);
        all.addAll(h.take());
      }
    }
    assertTrue(all.stream().noneMatch(x -> x.startsWith("origin")), all.toString());
    h.s.chunkVerified(c(1), Source.peer("p1"));
    assertEquals(List.of("peer p1 #0"), h.take());
  }

  // ---- priorities

  @Test
  void servesForegroundBeforeReadaheadBeforePrefetch() {
    Harness h = new Harness(caps(1, 4, 8), false).open(MODEL, 8);
    h.peerHas("p1", range(0, 8));
    h.s.want(c(0), Need.PREFETCH);
    h.s.want(c(1), Need.PREFETCH);
    h.s.want(c(2), Need.READAHEAD);
    h.s.want(c(3), Need.FOREGROUND);
    h.s.want(c(4), Need.READAHEAD);
    assertEquals(List.of("peer p1 #0"), h.take());
    List<String> order = new java.util.ArrayList<>();
    ChunkId current = c(0);
    for (int i = 0; i < 4; i++) {
      h.s.chunkVerified(current, Source.peer("p1"));
      String cmd = h.take().get(0);
      order.add(cmd);
      current = chunkOf(cmd);
    }
    assertEquals(List.of("peer p1 #3", "peer p1 #2", "peer p1 #4", "peer p1 #1"), order);
  }

  @Test
  void promotesAQueuedPrefetchWhenAReaderBlocksOnIt() {
    Harness h = new Harness(caps(1, 4, 8), false).open(MODEL, 8);
    h.peerHas("p1", range(0, 8));
    h.s.wantAll(MODEL, Need.PREFETCH);
    ChunkId first = chunkOf(h.take().get(0));
    int foreground = (first.index() + 3) % 8;
    int readahead = (first.index() + 5) % 8;
    h.s.want(c(readahead), Need.READAHEAD);
    h.s.want(c(foreground), Need.FOREGROUND);
    assertEquals(List.of(), h.take());
    h.s.chunkVerified(first, Source.peer("p1"));
    assertEquals(List.of("peer p1 #" + foreground), h.take());
    h.s.chunkVerified(c(foreground), Source.peer("p1"));
    assertEquals(List.of("peer p1 #" + readahead), h.take());
  }

  // ---- caps

  @Test
  void neverExceedsTheDownloadThePerPeerOrTheOriginCap() {
    Harness h = new Harness(caps(3, 2, 8), false).open(MODEL, 10);
    h.peerHas("p1", range(0, 10));
    h.peerHas("p2", range(0, 10));
    h.s.wantAll(MODEL, Need.PREFETCH);
    List<String> cmds = h.take();
    assertEquals(3, cmds.size(), cmds.toString());
    assertTrue(cmds.stream().filter(x -> x.startsWith("peer p1")).count() <= 2, cmds.toString());
    assertTrue(cmds.stream().filter(x -> x.startsWith("peer p2")).count() <= 2, cmds.toString());

    Harness o = new Harness(caps(4, 2, 2), false).open(MODEL, 10);
    o.s.wantAll(MODEL, Need.PREFETCH);
    assertEquals(2, o.take().size());
    o.peerHas("p1", 9);
    assertEquals(List.of("peer p1 #9"), o.take());
  }

  // ---- leases

  @Test
  void batchesLeaseRequestsOneInFlightPerModel() {
    SchedulerConfig cfg = new SchedulerConfig(16, 4, 8, 0, 4, 0, STALL, LEASE_WAIT, 3, 0, 0);
    Harness h = new Harness(cfg, true).open(MODEL, 7);
    h.s.wantAll(MODEL, Need.READAHEAD);
    assertEquals(List.of("lease [0, 1, 2] release []"), h.take());
    h.s.want(c(6), Need.FOREGROUND);
    assertEquals(List.of(), h.take(), "one request in flight per model");
    h.s.leaseAnswer(MODEL, List.of(0), List.of(), List.of(1, 2));
    assertEquals(List.of("origin #0 leased", "lease [6, 3, 4] release []"), h.take());
  }

  @Test
  void twoLeaseRequestsWithoutAnswerCountAsTrackerUnavailable() {
    SchedulerConfig cfg = new SchedulerConfig(16, 4, 8, 0, 4, 0, STALL, LEASE_WAIT, 8, 0, 0);
    Harness h = new Harness(cfg, true).open(MODEL, 2);
    h.s.want(c(0), Need.FOREGROUND);
    assertEquals(List.of("lease [0] release []"), h.take());
    h.advance(STALL);
    assertEquals(List.of(), h.take(), "one unanswered request is not an outage: no unleased origin fetch yet");
    h.advance(LEASE_WAIT);
    assertEquals(List.of("lease [0] release []"), h.take(), "asked again after a lease wait");
    h.advance(STALL);
    assertEquals(List.of("origin #0 unleased"), h.take());
  }

  @Test
  void anAnswerBetweenTimeoutsStartsTheCountAfresh() {
    SchedulerConfig cfg = new SchedulerConfig(16, 4, 8, 0, 4, 0, STALL, LEASE_WAIT, 8, 0, 0);
    Harness h = new Harness(cfg, true).open(MODEL, 2);
    h.s.want(c(0), Need.FOREGROUND);
    h.take();
    h.s.trackerUnavailable(MODEL);
    h.advance(LEASE_WAIT);
    assertEquals(List.of("lease [0] release []"), h.take());
    h.s.leaseAnswer(MODEL, List.of(), List.of(), List.of(0));
    h.advance(LEASE_WAIT);
    assertEquals(List.of("lease [0] release []"), h.take());
    h.s.trackerUnavailable(MODEL);
    assertEquals(List.of(), h.take(), "the answer in between reset the count");
    assertEquals(0, h.s.stats().unleasedOriginFetches());
  }

  @Test
  void anOriginErrorGivesTheLeaseBackAndBacksOff() {
    Harness h = new Harness(caps(16, 4, 8), true).open(MODEL, 2);
    h.s.want(c(0), Need.FOREGROUND);
    h.take();
    h.s.leaseAnswer(MODEL, List.of(0), List.of(), List.of());
    assertEquals(List.of("origin #0 leased"), h.take());
    h.s.fetchFailed(c(0), Source.ORIGIN, Failure.ORIGIN_ERROR);
    assertEquals(List.of("lease [] release [0]"), h.take());
    h.s.leaseAnswer(MODEL, List.of(), List.of(), List.of());
    assertEquals(List.of(), h.take(), "backs off the origin");
    h.advance(LEASE_WAIT);
    assertEquals(List.of("lease [0] release []"), h.take());
    h.s.leaseAnswer(MODEL, List.of(0), List.of(), List.of());
    assertEquals(List.of("origin #0 leased"), h.take());
  }

  // ---- faults

  @Test
  void reRequestsAStalledChunkFromAnotherPeer() {
    Harness h = new Harness(caps(16, 4, 8), false).open(MODEL, 2);
    h.peerHas("p1", 0);
    h.peerHas("p2", 0);
    h.s.want(c(0), Need.FOREGROUND);
    String first = peerOf(h.take().get(0));
    String second = first.equals("p1") ? "p2" : "p1";
    assertEquals(h.now + STALL.toNanos(), h.s.nextDeadline());
    h.advance(STALL);
    assertEquals(List.of("cancel peer " + first + " #0", "peer " + second + " #0"), h.take());
    h.s.fetchFailed(c(0), Source.peer(first), Failure.STALLED); // the late outcome of the cancelled fetch
    assertEquals(List.of(), h.take());
    assertEquals(1, h.s.stats().outstanding());
  }

  @Test
  void aSlowFetchThatKeepsDeliveringBytesIsNeverCountedAsStalled() {
    Harness h = new Harness(caps(16, 4, 8), false).open(MODEL, 2);
    h.peerHas("p1", 0);
    h.peerHas("p2", 0);
    h.s.want(c(0), Need.FOREGROUND);
    String first = peerOf(h.take().get(0));
    for (int i = 0; i < 10; i++) {
      h.advance(STALL.dividedBy(2));
      h.s.progress(c(0), Source.peer(first));
      assertEquals(List.of(), h.take(), "bytes keep coming after " + (i + 1) + " half-stalls: no cancel");
    }
    h.s.progress(c(0), Source.peer("nobody")); // progress of an unknown fetch is ignored
    h.advance(STALL);
    assertEquals("cancel peer " + first + " #0", h.take().get(0), "a whole stall without bytes does cancel");
  }

  @Test
  void reRequestsTheFetchesOfALostPeerElsewhere() {
    Harness h = new Harness(caps(16, 4, 8), false).open(MODEL, 2);
    h.peerHas("p1", 0);
    h.s.want(c(0), Need.FOREGROUND);
    assertEquals(List.of("peer p1 #0"), h.take());
    h.peerHas("p2", 0);
    h.s.peerLost("p1");
    assertEquals(List.of("peer p2 #0"), h.take());
    h.s.fetchFailed(c(0), Source.peer("p1"), Failure.DISCONNECTED);
    h.s.chunkVerified(c(0), Source.peer("p2"));
    assertEquals(List.of(), h.take());
    assertTrue(h.s.holds(c(0)));
  }

  @Test
  void busyNotFoundAndCorruptSendTheChunkToAnotherSource() {
    Harness h = new Harness(caps(16, 1, 8), false).open(MODEL, 2);
    h.peerHas("p1", 0);
    h.peerHas("p2", 0);
    h.peerHas("p3", 0);
    h.s.want(c(0), Need.FOREGROUND);
    String a = peerOf(h.take().get(0));
    h.s.fetchFailed(c(0), Source.peer(a), Failure.BUSY);
    String b = peerOf(h.take().get(0));
    h.s.fetchFailed(c(0), Source.peer(b), Failure.NOT_FOUND);
    String d = peerOf(h.take().get(0));
    h.s.fetchFailed(c(0), Source.peer(d), Failure.CORRUPT);
    assertEquals(List.of("origin #0 unleased"), h.take());
    assertEquals(3, java.util.Set.of(a, b, d).size());
    assertEquals(3, h.s.stats().failures());
  }

  @Test
  void aBusyPeerIsAskedAgainAfterAShortBackoffNotALeaseWait() {
    Harness h = new Harness(caps(16, 1, 8), true).open(MODEL, 2);
    h.peerHas("p1", 0);
    h.s.want(c(0), Need.FOREGROUND);
    assertEquals(List.of("peer p1 #0"), h.take());
    h.s.fetchFailed(c(0), Source.peer("p1"), Failure.BUSY);
    assertFalse(h.take().contains("peer p1 #0"), "not asked again at once");
    h.advance(Duration.ofNanos(SwarmScheduler.BUSY_BACKOFF_NANOS - 1_000_000));
    assertFalse(h.take().contains("peer p1 #0"), "not asked again before the backoff");
    h.advance(Duration.ofMillis(2));
    assertTrue(h.take().contains("peer p1 #0"), "asked again after the BUSY backoff, well within a lease wait");
  }

  @Test
  void aCorruptPeerIsNeverAskedForThatChunkAgain() {
    Harness h = new Harness(caps(16, 1, 8), false).open(MODEL, 2);
    h.peerHas("p1", 0);
    h.s.want(c(0), Need.FOREGROUND);
    h.take();
    h.s.fetchFailed(c(0), Source.peer("p1"), Failure.CORRUPT);
    assertEquals(List.of("origin #0 unleased"), h.take());
    h.s.fetchFailed(c(0), Source.ORIGIN, Failure.ORIGIN_ERROR);
    h.advance(Duration.ofHours(1));
    assertEquals(List.of("origin #0 unleased"), h.take());
  }

  // ---- time, close, contract

  @Test
  void nextDeadlineIsTheEarliestPendingWait() {
    Harness h = new Harness(caps(16, 4, 8), false).open(MODEL, 2);
    assertEquals(Long.MAX_VALUE, h.s.nextDeadline());
    h.s.want(c(0), Need.FOREGROUND);
    assertEquals(h.now + SwarmScheduler.ORIGIN_STALL_FACTOR * STALL.toNanos(), h.s.nextDeadline(),
        "an origin fetch gets several peer stalls");
    h.s.chunkVerified(c(0), Source.ORIGIN);
    h.advance(STALL.multipliedBy(SwarmScheduler.ORIGIN_STALL_FACTOR));
    assertEquals(Long.MAX_VALUE, h.s.nextDeadline());
    h.peerHas("p1", 1);
    h.s.want(c(1), Need.FOREGROUND);
    assertEquals(h.now + STALL.toNanos(), h.s.nextDeadline(), "a peer fetch one");
  }

  @Test
  void closeCancelsOutstandingFetchesAndGivesLeasesBack() {
    Harness h = new Harness(caps(16, 4, 8), true).open(MODEL, 4);
    h.peerHas("p1", 3);
    h.s.wantAll(MODEL, Need.PREFETCH);
    List<String> started = h.take();
    assertEquals(2, started.size(), started.toString());
    assertTrue(started.contains("peer p1 #3"), started.toString());
    assertTrue(started.stream().anyMatch(x -> x.startsWith("lease [") && x.contains("0") && x.contains("1")
        && x.contains("2") && x.endsWith("release []")), started.toString());
    h.s.leaseAnswer(MODEL, List.of(0, 1), List.of(), List.of(2));
    assertEquals(2, h.take().size());
    h.s.close(MODEL);
    List<String> cmds = h.take();
    assertTrue(cmds.containsAll(List.of("cancel origin #0", "cancel origin #1", "cancel peer p1 #3",
        "lease [] release [0, 1]")), cmds.toString());
    assertEquals(0, h.s.stats().outstanding());
    assertThrows(IllegalArgumentException.class, () -> h.s.want(c(0), Need.FOREGROUND));
  }

  @Test
  void unwantCancelsTheFetchAndGivesTheLeaseBack() {
    Harness h = new Harness(caps(16, 4, 8), true).open(MODEL, 4);
    h.s.want(c(0), Need.FOREGROUND);
    h.s.want(c(1), Need.FOREGROUND);
    h.take();
    h.s.leaseAnswer(MODEL, List.of(0), List.of(), List.of(1));
    assertEquals(List.of("origin #0 leased"), h.take());
    h.s.unwant(c(0));
    h.s.unwant(c(1));
    h.s.unwant(c(3));
    assertEquals(List.of("cancel origin #0", "lease [] release [0]"), h.take());
    assertEquals(0, h.s.stats().wanted());
    assertEquals(0, h.s.stats().outstanding());
    h.s.leaseAnswer(MODEL, List.of(), List.of(), List.of());
    h.advance(LEASE_WAIT);
    assertEquals(List.of(), h.take(), "nothing is asked for an unwanted chunk");
  }

  @Test
  void refusesToBeCalledBackFromInsideAnAction() {
    SwarmScheduler[] self = new SwarmScheduler[1];
    IllegalStateException[] caught = new IllegalStateException[1];
    Actions reentrant = new Actions() {
      @Override
      public void fetchFromPeer(String peer, ChunkId chunk) {}

      @Override
      public void fetchFromOrigin(ChunkId chunk, boolean leased) {
        try {
          self[0].chunkVerified(chunk, Source.ORIGIN);
        } catch (IllegalStateException e) {
          caught[0] = e;
        }
      }

      @Override
      public void requestLeases(Digest model, List<Integer> chunks, List<Integer> released) {}

      @Override
      public void cancel(Source from, ChunkId chunk) {}
    };
    self[0] = new SwarmScheduler("n", caps(4, 4, 4), () -> 0, reentrant, false);
    self[0].open(MODEL, new long[] {1}, new BitSet());
    self[0].want(c(0), Need.FOREGROUND);
    assertTrue(caught[0] != null && caught[0].getMessage().contains("not re-entrant"));
  }

  @Test
  void rejectsWantsForModelsNotOpenAndIndicesOutOfRange() {
    Harness h = new Harness(caps(4, 4, 4), false).open(MODEL, 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> h.s.want(c(2), Need.FOREGROUND));
    assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> h.s.want(new ChunkId(Harness.OTHER, 0), Need.FOREGROUND));
    assertThrows(IllegalArgumentException.class, () -> h.s.have("p", MODEL, BitSet.valueOf(new long[] {0b100})));
  }

  private static ChunkId chunkOf(String cmd) {
    String rest = cmd.substring(cmd.indexOf('#') + 1);
    int end = rest.indexOf(' ');
    return c(Integer.parseInt(end < 0 ? rest : rest.substring(0, end)));
  }

  private static String peerOf(String cmd) {
    return cmd.split(" ")[1];
  }
}
