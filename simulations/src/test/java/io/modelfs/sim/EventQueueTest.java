package io.modelfs.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
