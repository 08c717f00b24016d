package io.modelfs.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EventQueueTest {
  @Test
  void popsByTimeThenByTheOrderEventsWereScheduled() {
    EventQueue q = new EventQueue();
    Random r = new Random(7);
    record E(long time, int order) {}
    List<E> expected = new ArrayList<>();
    List<E> popped = new ArrayList<>();
    for (int i = 0; i < 50_000; i++) {
      E e = new E(r.nextInt(500), i);
      expected.add(e);
      q.add(e.time(), () -> popped.add(e));
    }
    while (!q.isEmpty()) {
      q.poll().run();
    }
    expected.sort(Comparator.comparingLong(E::time).thenComparingInt(E::order));
    assertEquals(expected, popped);
  }

  /** A keyed event that records its name when it runs. */
  private static final class Named extends EventQueue.Keyed {
    final int name;
    final List<Integer> log;

    Named(int name, List<Integer> log) {
      this.name = name;
      this.log = log;
    }

    @Override
    public void run() {
      log.add(name);
    }
  }

  /**
   * Random adds, reschedules, cancels and polls, against the naive agenda the simulator used
   * before keyed events: every reschedule adds a new entry and the superseded (or cancelled) ones
   * are skipped when they come up. The two must run the same events in the same order.
   */
  @Test
  void keyedEventsRunInTheOrderOfTheNaiveAgendaWithSupersededEntries() {
    for (int seed = 0; seed < 20; seed++) {
      Random r = new Random(seed);
      EventQueue q = new EventQueue();
      List<Integer> ran = new ArrayList<>();
      // The reference: (time, seq) -> entry; an entry is live if it is its key's latest version.
      java.util.TreeMap<long[], int[]> ref = new java.util.TreeMap<>(
          Comparator.<long[]>comparingLong(a -> a[0]).thenComparingLong(a -> a[1]));
      List<Integer> expected = new ArrayList<>();
      int keys = 1 + r.nextInt(60);
      Named[] keyed = new Named[keys];
      int[] version = new int[keys];
      boolean[] pending = new boolean[keys];
      for (int k = 0; k < keys; k++) {
        keyed[k] = new Named(k, ran);
      }
      long seq = 0;
      long now = 0;
      int plainNames = 1_000_000;
      for (int step = 0; step < 20_000; step++) {
        int op = r.nextInt(10);
        long time = now + r.nextInt(r.nextBoolean() ? 5 : 1000); // many ties at the same time
        if (op < 2) {
          int name = plainNames++;
          q.add(time, () -> ran.add(name));
          ref.put(new long[] {time, seq++}, new int[] {name, -1, 0});
        } else if (op < 6) {
          int k = r.nextInt(keys);
          boolean was = q.reschedule(time, keyed[k]);
          assertEquals(pending[k], was, "reschedule says whether key " + k + " was queued");
          ref.put(new long[] {time, seq++}, new int[] {k, k, ++version[k]});
          pending[k] = true;
        } else if (op < 7) {
          int k = r.nextInt(keys);
          assertEquals(pending[k], q.cancel(keyed[k]), "cancel says whether key " + k + " was queued");
          version[k]++;
          pending[k] = false;
        } else {
          // Poll one live event from each.
          while (!ref.isEmpty()) {
            var e = ref.pollFirstEntry();
            int[] v = e.getValue();
            if (v[1] >= 0 && v[2] != version[v[1]]) {
              continue; // superseded or cancelled: the naive agenda skips it
            }
            if (v[1] >= 0) {
              pending[v[1]] = false;
            }
            expected.add(v[0]);
            now = e.getKey()[0];
            assertEquals(now, q.peekTime(), "time of the next live event, step " + step + ", seed " + seed);
            q.poll().run();
            break;
          }
          if (ref.isEmpty()) {
            assertTrue(q.isEmpty(), "no live event is left, seed " + seed);
          }
        }
        assertEquals(expected.size(), ran.size(), "events run, seed " + seed + ", step " + step);
        if (!ran.isEmpty()) {
          assertEquals(expected.get(expected.size() - 1), ran.get(ran.size() - 1), "last event, seed " + seed + ", step " + step);
        }
      }
      assertEquals(expected, ran, "seed " + seed);
      for (int k = 0; k < keys; k++) {
        assertEquals(pending[k], keyed[k].queued(), "key " + k + " queued, seed " + seed);
      }
    }
  }

  @Test
  void aKeyedEventCannotBeAddedTwice() {
    EventQueue q = new EventQueue();
    Named n = new Named(1, new ArrayList<>());
    q.add(5, n);
    assertThrows(IllegalArgumentException.class, () -> q.add(6, n));
    assertEquals(1, q.size());
  }

  @Test
  void simulatorRunsEventsInTimeOrderAndRefusesThePast() {
    Simulator sim = new Simulator();
    List<Long> seen = new ArrayList<>();
    sim.at(30, () -> seen.add(sim.now()));
    sim.at(10, () -> {
      seen.add(sim.now());
      sim.after(5, () -> seen.add(sim.now()));
    });
    sim.run(Long.MAX_VALUE, () -> false);
    assertEquals(List.of(10L, 15L, 30L), seen);
    assertEquals(30, sim.nanos());
    assertThrows(IllegalArgumentException.class, () -> sim.at(29, () -> {}));
  }

  @Test
  void simulatorStopsAtTheLimitOrTheCondition() {
    Simulator sim = new Simulator();
    int[] count = {0};
    for (int i = 1; i <= 10; i++) {
      sim.at(i * 100L, () -> count[0]++);
    }
    sim.run(550, () -> false);
    assertEquals(5, count[0]);
    sim.run(Long.MAX_VALUE, () -> count[0] == 7);
    assertEquals(7, count[0]);
  }
}
