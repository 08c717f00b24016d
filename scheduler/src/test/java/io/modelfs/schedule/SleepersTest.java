package io.modelfs.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The heap of sleeping wants: due wants come out (earliest first), wants woken or put to sleep
 * again in between leave stale entries that never come out, and compaction keeps every live one.
 */
class SleepersTest {
  private static final ModelState MODEL = new ModelState(Harness.MODEL, new long[5000], new BitSet());

  private static Want asleep(int index) {
    Want w = new Want(MODEL.chunk(index), MODEL, Need.PREFETCH, index, index);
    w.asleep = true;
    w.sleepNumber = 1;
    return w;
  }

  @Test
  void dueWantsComeOutEarliestFirstAndNotBeforeTheirTime() {
    Sleepers s = new Sleepers();
    Want a = asleep(0);
    Want b = asleep(1);
    Want c = asleep(2);
    s.add(300, a);
    s.add(100, b);
    s.add(200, c);
    assertNull(s.pollDue(99), "nothing due before 100");
    assertSame(b, s.pollDue(250));
    assertSame(c, s.pollDue(250));
    assertNull(s.pollDue(250), "the third is due at 300");
    assertSame(a, s.pollDue(300));
    assertEquals(0, s.size());
  }

  @Test
  void aWantWokenOrPutToSleepAgainLeavesAStaleEntryThatNeverComesOut() {
    Sleepers s = new Sleepers();
    Want woken = asleep(0);
    Want again = asleep(1);
    s.add(100, woken);
    s.add(100, again);
    woken.asleep = false; // an event woke it
    again.sleepNumber++; // it slept again, now until 500
    s.add(500, again);
    assertNull(s.pollDue(400), "both entries at 100 are stale");
    assertSame(again, s.pollDue(500));
    assertNull(s.pollDue(Long.MAX_VALUE));
  }

  @Test
  void compactionDropsStaleEntriesAndKeepsEveryLiveOne() {
    Sleepers s = new Sleepers();
    Random rnd = new Random(7);
    List<Want> live = new ArrayList<>();
    long[] at = new long[5000];
    for (int i = 0; i < 5000; i++) {
      Want w = asleep(i);
      at[i] = rnd.nextInt(1_000_000);
      s.add(at[i], w);
      if (i % 4 == 0) {
        live.add(w);
      } else {
        w.asleep = false; // three of four woken by events: stale entries
      }
    }
    assertTrue(s.size() < 5000, "stale entries were compacted away while adding, size " + s.size());
    long last = Long.MIN_VALUE;
    int out = 0;
    for (Want w = s.pollDue(Long.MAX_VALUE); w != null; w = s.pollDue(Long.MAX_VALUE)) {
      assertTrue(live.contains(w), "only live wants come out");
      assertTrue(at[w.id.index()] >= last, "earliest first");
      last = at[w.id.index()];
      out++;
    }
    assertEquals(live.size(), out, "every live want comes out once");
  }
}
