package io.modelfs.schedule;

import static io.modelfs.schedule.Harness.MODEL;
import static io.modelfs.schedule.Harness.c;
import static io.modelfs.schedule.Harness.caps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 7: the scheduler keeps to the tracker's next-ask interval and still gets its chunks. */
class LeasePacingSchedulerTest {

  @Test
  void asksNoSoonerThanTheTrackerSaidAndThenAsksForEverythingWantedMeanwhileInOneRequest() {
    Harness h = new Harness(caps(16, 4, 8), true).open(MODEL, 40);
    h.s.want(c(0), Need.FOREGROUND);
    assertEquals(List.of("lease [0] release []"), h.take());
    h.s.leaseAnswer(MODEL, List.of(), List.of(), List.of(0), 500);
    // Chunks wanted during the interval are not asked for one by one...
    for (int i = 1; i <= 20; i++) {
      h.s.want(c(i), Need.FOREGROUND);
    }
    assertEquals(List.of(), h.take());
    assertTrue(h.s.nextDeadline() <= h.now + Duration.ofMillis(500).toNanos(), "a timer at the end of the interval");
    h.advance(Duration.ofMillis(499));
    assertEquals(List.of(), h.take());
    // ...but together when it ends (the paced batch is 4 x leaseBatch = 32 chunks).
    h.advance(Duration.ofMillis(1));
    List<Integer> asked = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      asked.add(i);
    }
    assertEquals(List.of("lease " + asked + " release []"), h.take());
    assertEquals(2, h.s.stats().leaseRequests());
    // The node still gets its chunks: granted ones come from the origin under the lease.
    h.s.leaseAnswer(MODEL, List.of(1, 2, 3), List.of(), List.of(), 500);
    assertEquals(List.of("origin #1 leased", "origin #2 leased", "origin #3 leased"), h.take());
    h.s.chunkVerified(c(1), Source.ORIGIN);
    h.s.chunkVerified(c(2), Source.ORIGIN);
    h.s.chunkVerified(c(3), Source.ORIGIN);
    assertTrue(h.s.holds(c(1)) && h.s.holds(c(2)) && h.s.holds(c(3)));
  }

  @Test
  void aPacedBatchIsCappedAtFourLeaseBatches() {
    Harness h = new Harness(caps(16, 4, 8), true).open(MODEL, 40);
    h.s.want(c(0), Need.FOREGROUND);
    h.take();
    h.s.leaseAnswer(MODEL, List.of(), List.of(), List.of(0), 100);
    h.s.wantAll(MODEL, Need.PREFETCH);
    h.advance(Duration.ofMillis(100));
    List<String> cmds = h.take();
    assertEquals(1, cmds.size(), cmds.toString());
    String list = cmds.get(0).substring("lease [".length(), cmds.get(0).indexOf(']'));
    assertEquals(SwarmScheduler.PACED_BATCH_FACTOR * 8, list.split(", ").length, cmds.get(0));
  }

  @Test
  void withoutAPaceTheNextRequestGoesOutAtOnce() {
    Harness h = new Harness(caps(16, 4, 8), true).open(MODEL, 4);
    h.s.want(c(0), Need.FOREGROUND);
    h.take();
    h.s.leaseAnswer(MODEL, List.of(), List.of(), List.of(0), 0);
    h.s.want(c(1), Need.FOREGROUND);
    assertEquals(List.of("lease [1] release []"), h.take());
  }

  @Test
  void aPeerThatAnnouncesAChunkDuringTheIntervalIsUsedAtOnce() {
    Harness h = new Harness(caps(16, 4, 8), true).open(MODEL, 4);
    h.s.want(c(0), Need.FOREGROUND);
    h.take();
    h.s.leaseAnswer(MODEL, List.of(), List.of(), List.of(0), 5_000);
    h.s.want(c(1), Need.FOREGROUND);
    assertEquals(List.of(), h.take());
    h.s.have("p1", c(1));
    assertEquals(List.of("peer p1 #1"), h.take());
  }
}
