package io.modelfs.schedule;

import static io.modelfs.schedule.Harness.MODEL;
import static io.modelfs.schedule.Harness.c;
import static io.modelfs.schedule.Harness.caps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A BUSY refusal backs off the whole peer (its upload queue is full for every chunk), doubling
 * while it keeps refusing and starting over once it served a chunk; and the pass after a HAVE
 * that follows a fruitless pass tries that chunk's want alone with the same outcome (issue 9:
 * the simulator at 1,000-10,000 nodes).
 */
class BusyPeerBackoffTest {
  private static final long BACKOFF = SwarmScheduler.BUSY_BACKOFF_NANOS;

  private static List<String> fromP1(Harness h) {
    return h.take().stream().filter(cmd -> cmd.startsWith("peer p1 ")).toList();
  }

  private static List<String> peerFetches(Harness h) {
    return h.take().stream().filter(cmd -> cmd.startsWith("peer ")).toList();
  }

  @Test
  void aBusyPeerIsAskedForNoOtherChunkDuringItsBackoff() {
    Harness h = new Harness(caps(16, 4, 8), true).open(MODEL, 4);
    h.peerHas("p1", 0, 1);
    h.s.want(c(0), Need.FOREGROUND);
    assertEquals(List.of("peer p1 #0"), fromP1(h));
    h.s.fetchFailed(c(0), Source.peer("p1"), Failure.BUSY);
    h.s.want(c(1), Need.FOREGROUND);
    assertEquals(List.of(), fromP1(h), "chunk 1 not asked of the peer that just refused BUSY");
    h.advance(Duration.ofNanos(BACKOFF - 1_000_000));
    assertEquals(List.of(), fromP1(h), "nor before the backoff ends");
    h.advance(Duration.ofMillis(2));
    assertEquals(List.of("peer p1 #0", "peer p1 #1"), fromP1(h), "both asked once it ends");
  }

  @Test
  void theBackoffDoublesWhileThePeerKeepsRefusingAndStartsOverOnceItServed() {
    Harness h = new Harness(caps(16, 4, 8), true).open(MODEL, 4);
    h.peerHas("p1", 0, 1, 2);
    h.s.want(c(0), Need.FOREGROUND);
    h.s.want(c(1), Need.FOREGROUND);
    assertEquals(List.of("peer p1 #0", "peer p1 #1"), fromP1(h));
    h.s.fetchFailed(c(0), Source.peer("p1"), Failure.BUSY);
    h.s.fetchFailed(c(1), Source.peer("p1"), Failure.BUSY); // sent before the backoff: does not double it
    h.advance(Duration.ofNanos(BACKOFF + 1_000_000));
    assertEquals(List.of("peer p1 #0", "peer p1 #1"), fromP1(h), "one backoff of 200 ms for both refusals");

    h.s.fetchFailed(c(0), Source.peer("p1"), Failure.BUSY); // a refusal after a backoff: 400 ms now
    h.advance(Duration.ofNanos(BACKOFF + 1_000_000));
    assertEquals(List.of(), fromP1(h), "still backing off after 200 ms");
    h.advance(Duration.ofNanos(BACKOFF));
    assertEquals(List.of("peer p1 #0"), fromP1(h), "asked again after 400 ms");

    h.s.chunkVerified(c(1), Source.peer("p1")); // it served a chunk: the next refusal starts over
    h.s.fetchFailed(c(0), Source.peer("p1"), Failure.BUSY);
    h.advance(Duration.ofNanos(BACKOFF + 1_000_000));
    assertEquals(List.of("peer p1 #0"), fromP1(h), "200 ms again");
  }

  @Test
  void theBackoffNeverExceedsALeaseWait() {
    Harness h = new Harness(caps(16, 4, 8), true).open(MODEL, 2);
    h.peerHas("p1", 0);
    h.s.want(c(0), Need.FOREGROUND);
    assertEquals(List.of("peer p1 #0"), fromP1(h));
    for (int k = 0; k < 12; k++) {
      h.s.fetchFailed(c(0), Source.peer("p1"), Failure.BUSY);
      h.advance(Duration.ofSeconds(2).plusMillis(1));
      assertEquals(List.of("peer p1 #0"), fromP1(h), "refusal " + (k + 1) + ": asked again within a lease wait (2 s)");
    }
  }

  @Test
  void aHaveAfterAFruitlessPassStartsThatChunkAtOnceAndOthersStayQueued() {
    Harness h = new Harness(caps(16, 4, 8), true).open(MODEL, 8);
    h.s.wantAll(MODEL, Need.PREFETCH);
    h.take(); // the lease request for chunks nobody holds
    h.peerHas("p2", 3); // a fruitless pass for the others: p2 holds only chunk 3
    assertEquals(List.of("peer p2 #3"), peerFetches(h));
    h.advance(Duration.ofMillis(1)); // a pass that starts nothing: the next HAVE takes the short path
    h.s.have("p1", c(5));
    assertEquals(List.of("peer p1 #5"), peerFetches(h));
    h.advance(Duration.ofMillis(1));
    h.s.have("p2", c(5)); // already fetching 5 from p1: nothing more
    h.s.have("p1", c(6));
    assertEquals(List.of("peer p1 #6"), peerFetches(h));
    assertEquals(3, h.s.stats().peerFetches());
    assertFalse(h.s.holds(c(5)));
  }
}
