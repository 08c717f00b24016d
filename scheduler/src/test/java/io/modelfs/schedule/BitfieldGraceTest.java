package io.modelfs.schedule;

import static io.modelfs.schedule.Harness.MODEL;
import static io.modelfs.schedule.Harness.c;
import static io.modelfs.schedule.Harness.caps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Without a tracker, a pull made just after a peer connected waits for that peer's bitfield
 * ({@link SwarmScheduler#BITFIELD_GRACE_NANOS}) before it goes to the origin; a blocked reader
 * does not wait, and a want made long after the last connection goes to the origin at once.
 */
class BitfieldGraceTest {
  private static final long GRACE = SwarmScheduler.BITFIELD_GRACE_NANOS;

  @Test
  void aPullRightAfterTheHandshakeTakesTheChunksFromThePeerWhoseBitfieldFollows() {
    Harness h = new Harness(caps(8, 8, 8), false).open(MODEL, 3);
    h.s.peerConnected("p1");
    h.now += 31_000_000L;
    h.s.wantAll(MODEL, Need.PREFETCH);
    assertEquals(List.of(), h.take(), "no chunk goes to the origin while the peer's bitfield may be on its way");

    h.now += 5_000_000L;
    h.peerHas("p1", 0, 1, 2);
    assertEquals(List.of("peer p1 #0", "peer p1 #1", "peer p1 #2"), h.take().stream().sorted().toList());
    h.advance(Duration.ofNanos(GRACE));
    assertEquals(List.of(), h.take(), "no origin duplicate once the grace is over: every chunk is in flight from the peer");
  }

  @Test
  void withoutABitfieldThePullGoesToTheOriginWhenTheGraceEnds() {
    Harness h = new Harness(caps(8, 8, 8), false).open(MODEL, 2);
    long connected = h.now;
    h.s.peerConnected("p1");
    h.s.wantAll(MODEL, Need.PREFETCH);
    assertEquals(List.of(), h.take());
    assertEquals(connected + GRACE, h.s.nextDeadline(), "the scheduler asks to be ticked when the grace ends");

    h.now = connected + GRACE - 1;
    h.s.tick();
    assertEquals(List.of(), h.take());
    h.now = connected + GRACE;
    h.s.tick();
    assertEquals(List.of("origin #0 unleased", "origin #1 unleased"), h.take().stream().sorted().toList());
  }

  @Test
  void aBlockedReaderGoesToTheOriginAtOnce() {
    Harness h = new Harness(caps(8, 8, 8), false).open(MODEL, 2);
    h.s.peerConnected("p1");
    h.s.want(c(1), Need.FOREGROUND);
    assertEquals(List.of("origin #1 unleased"), h.take());
  }

  @Test
  void aWantMadeAfterTheGraceIsNotDelayed() {
    Harness h = new Harness(caps(8, 8, 8), false).open(MODEL, 2);
    h.s.peerConnected("p1");
    h.now += GRACE;
    h.s.want(c(0), Need.READAHEAD);
    assertEquals(List.of("origin #0 unleased"), h.take());
  }

  @Test
  void withATrackerTheGraceDoesNotApply() {
    Harness h = new Harness(caps(8, 8, 8), true).open(MODEL, 2);
    h.s.peerConnected("p1");
    h.s.wantAll(MODEL, Need.PREFETCH);
    List<String> asked = h.take();
    assertEquals(1, asked.size(), asked.toString());
    assertTrue(asked.get(0).matches("lease \\[[01], [01]\\] release \\[\\]"), "the tracker is asked at once, as before: " + asked);
  }
}
