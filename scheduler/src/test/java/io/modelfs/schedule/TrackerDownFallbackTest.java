package io.modelfs.schedule;

import static io.modelfs.schedule.Harness.MODEL;
import static io.modelfs.schedule.Harness.c;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tracker-down fallback (issue 8), on a hand-moved clock: a blocked reader goes to the paced
 * origin at once, pull/prefetch wants wait {@value SwarmScheduler#TRACKER_DOWN_GRACE_LEASE_WAITS}
 * lease waits for peers or the tracker first, the tracker is probed with backoff by real lease
 * requests, and one answer ends the outage.
 */
class TrackerDownFallbackTest {
  private static final Duration STALL = Duration.ofSeconds(10);
  private static final Duration LEASE_WAIT = Duration.ofSeconds(2);
  private static final Duration GRACE = LEASE_WAIT.multipliedBy(SwarmScheduler.TRACKER_DOWN_GRACE_LEASE_WAITS);

  private static Harness harness(long fallbackBytesPerSecond, int chunks) {
    SchedulerConfig cfg = new SchedulerConfig(16, 4, 8, 0, 4, 0, STALL, LEASE_WAIT, 8, 0, fallbackBytesPerSecond);
    return new Harness(cfg, true).open(MODEL, chunks);
  }

  /** Two lease requests in a row go unanswered: the tracker counts as down from now. */
  private static void trackerGoesDown(Harness h) {
    assertTrue(single(h.take()).startsWith("lease "), "a lease request is in flight");
    h.s.trackerUnavailable(MODEL);
    assertEquals(List.of(), h.take(), "one unanswered request is not an outage");
    h.advance(LEASE_WAIT);
    assertTrue(single(h.take()).startsWith("lease "), "asked again after a lease wait");
    h.s.trackerUnavailable(MODEL);
  }

  private static String single(List<String> cmds) {
    assertEquals(1, cmds.size(), cmds.toString());
    return cmds.get(0);
  }

  private static List<String> origin(List<String> cmds) {
    return cmds.stream().filter(s -> s.startsWith("origin ")).toList();
  }

  @Test
  void aBlockedReaderGoesToTheOriginAtOnceButPrefetchWaits() {
    Harness h = harness(0, 4);
    h.s.wantAll(MODEL, Need.PREFETCH);
    trackerGoesDown(h);
    assertEquals(List.of(), h.take(), "pull/prefetch wants keep waiting for peers or the tracker");
    h.s.want(c(2), Need.FOREGROUND);
    assertEquals(List.of("origin #2 unleased"), h.take(), "the chunk a reader is blocked on");
    h.s.want(c(3), Need.READAHEAD);
    assertEquals(List.of(), h.take(), "readahead is not a blocked reader");
    assertEquals(1, h.s.stats().unleasedOriginFetches());
  }

  @Test
  void prefetchFallsBackToTheOriginAfterTheGrace() {
    Harness h = harness(0, 4);
    h.s.wantAll(MODEL, Need.PREFETCH);
    trackerGoesDown(h);
    h.take();
    h.advance(GRACE.minusMillis(1));
    assertEquals(List.of(), origin(h.take()), "no unleased origin fetch before the grace ends");
    h.advance(Duration.ofMillis(1));
    List<String> started = origin(h.take());
    assertEquals(4, started.size(), started.toString());
    assertTrue(started.stream().allMatch(s -> s.endsWith(" unleased")), started.toString());
  }

  @Test
  void aPeerThatAnnouncesTheChunkDuringTheGraceServesIt() {
    Harness h = harness(0, 2);
    h.s.wantAll(MODEL, Need.PREFETCH);
    trackerGoesDown(h);
    h.advance(LEASE_WAIT);
    h.take();
    h.peerHas("p1", 0, 1);
    List<String> cmds = h.take();
    assertEquals(2, cmds.size(), cmds.toString());
    assertTrue(cmds.stream().allMatch(s -> s.startsWith("peer p1 ")), cmds.toString());
    assertEquals(0, h.s.stats().unleasedOriginFetches());
  }

  @Test
  void theBlockedReadersFallbackIsPacedPerNode() {
    Harness h = harness(Harness.MIB, 4);
    h.s.want(c(0), Need.FOREGROUND);
    trackerGoesDown(h);
    assertEquals(List.of("origin #0 unleased"), h.take());
    h.s.want(c(1), Need.FOREGROUND);
    assertEquals(List.of(), h.take(), "1 MiB/s: the next 1 MiB chunk waits a second");
    h.advance(Duration.ofMillis(999));
    assertEquals(List.of(), origin(h.take()));
    h.advance(Duration.ofMillis(1));
    assertEquals(List.of("origin #1 unleased"), origin(h.take()));
  }

  @Test
  void theTrackerIsProbedWithBackoffUntilItAnswers() {
    Harness h = harness(0, 2);
    h.s.want(c(0), Need.FOREGROUND);
    h.s.want(c(1), Need.FOREGROUND);
    trackerGoesDown(h);
    h.take();
    long down = h.now;
    List<Long> probes = new ArrayList<>();
    for (int second = 1; second <= 80; second++) {
      h.advance(Duration.ofSeconds(1));
      for (String cmd : h.take()) {
        if (cmd.startsWith("lease ")) {
          probes.add((h.now - down) / 1_000_000_000L);
          h.s.trackerUnavailable(MODEL); // refused at once, as by a dead leader's address
        }
      }
    }
    long w = LEASE_WAIT.toSeconds();
    long max = SwarmScheduler.MAX_PROBE_LEASE_WAITS * w;
    List<Long> expected = new ArrayList<>();
    for (long t = w, gap = w; t <= 80; gap = Math.min(2 * gap, max), t += gap) {
      expected.add(t);
    }
    assertEquals(expected, probes, "probes at doubling intervals, capped");
  }

  @Test
  void theProbeAsksForTheWaitingChunksAndAnAnswerEndsTheOutage() {
    Harness h = harness(0, 2);
    h.s.wantAll(MODEL, Need.PREFETCH);
    trackerGoesDown(h);
    h.advance(LEASE_WAIT);
    String probe = single(h.take());
    assertTrue(probe.startsWith("lease ") && probe.contains("0") && probe.contains("1"), probe);
    h.s.leaseAnswer(MODEL, List.of(0), List.of(), List.of(1));
    assertEquals(List.of("origin #0 leased"), h.take());
    h.advance(GRACE);
    assertFalse(h.take().stream().anyMatch(s -> s.endsWith(" unleased")), "the tracker is back: no fallback");
    assertEquals(0, h.s.stats().unleasedOriginFetches());
  }

  @Test
  void aNewOutageStartsANewGrace() {
    Harness h = harness(0, 2);
    h.s.wantAll(MODEL, Need.PREFETCH);
    trackerGoesDown(h);
    h.advance(GRACE.minusSeconds(2));
    h.take();
    // The probe at this point is answered: the outage ends; the next one counts from its own start.
    h.s.leaseAnswer(MODEL, List.of(), List.of(), List.of(0, 1));
    h.advance(LEASE_WAIT);
    trackerGoesDown(h);
    h.advance(Duration.ofSeconds(4));
    assertEquals(List.of(), origin(h.take()), "the earlier outage's time does not count");
    h.advance(GRACE);
    assertEquals(2, origin(h.take()).size());
  }
}
