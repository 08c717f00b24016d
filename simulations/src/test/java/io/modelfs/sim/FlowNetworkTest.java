package io.modelfs.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlowNetworkTest {
  private final Simulator sim = new Simulator();
  private final double[] moved = {0};
  private final FlowNetwork net = new FlowNetwork(sim, (f, a, b, bytes) -> moved[0] += bytes);

  @Test
  void aLoneFlowRunsAtItsNarrowestLink() {
    Resource up = new Resource("up", 100e6);
    Resource down = new Resource("down", 50e6);
    long[] doneAt = {-1};
    net.start(new Resource[] {up, down}, 100_000_000, false, () -> doneAt[0] = sim.now());
    sim.run(Long.MAX_VALUE, () -> false);
    assertEquals(2e9, doneAt[0], 2);
    assertEquals(100e6, moved[0], 1);
  }

  @Test
  void flowsShareALinkAndTheSurvivorSpeedsUpWhenOneEnds() {
    Resource up = new Resource("up", 100e6);
    Resource a = new Resource("a", 1e12);
    Resource b = new Resource("b", 1e12);
    List<Long> done = new ArrayList<>();
    net.start(new Resource[] {up, a}, 50_000_000, false, () -> done.add(sim.now()));
    net.start(new Resource[] {up, b}, 100_000_000, false, () -> done.add(sim.now()));
    sim.run(Long.MAX_VALUE, () -> false);
    // Both at 50 MB/s until the first finishes at 1 s; the second has 50 MB left at 100 MB/s: 1.5 s.
    assertEquals(1e9, done.get(0), 2);
    assertEquals(1.5e9, done.get(1), 2);
  }

  @Test
  void aSharedCpuSplitsItsCoresEquallyAndEachFlowPaysItsOwnCostPerByte() {
    Resource cpu = new Resource("host cpu", 1, true); // one core
    Resource link = new Resource("link", 1e12);
    List<Long> done = new ArrayList<>();
    // Half a core each: 10 ns/byte -> 50 MB/s, 30 ns/byte -> 16.7 MB/s.
    net.start(new Resource[] {link, cpu}, 50_000_000, false, 10e-9, () -> done.add(sim.now()));
    net.start(new Resource[] {link, cpu}, 50_000_000, true, 30e-9, () -> done.add(sim.now()));
    sim.run(Long.MAX_VALUE, () -> false);
    // The cheap flow ends at 1 s; the dear one has moved 16.7 MB and takes the whole core for the
    // remaining 33.3 MB at 33.3 MB/s: 1 s more. The core did 0.5 + 0.5 + 1 CPU-seconds of work.
    assertEquals(1e9, done.get(0), 2);
    assertEquals(2e9, done.get(1), 2);
    assertEquals(100e6, moved[0], 1);
  }

  @Test
  void aFlowHeldBackElsewhereKeepsOnlyItsLocalShare() {
    Resource up = new Resource("up", 100e6);
    Resource slow = new Resource("slow", 10e6);
    Resource fast = new Resource("fast", 1e12);
    List<Long> done = new ArrayList<>();
    net.start(new Resource[] {up, slow}, 10_000_000, false, () -> done.add(sim.now()));
    net.start(new Resource[] {up, fast}, 50_000_000, false, () -> done.add(sim.now()));
    sim.run(Long.MAX_VALUE, () -> false);
    // Local fair share (documented): the fast flow gets 50 MB/s, not the 90 left over.
    assertEquals(1e9, done.get(0), 2);
    assertEquals(1e9, done.get(1), 2);
  }

  @Test
  void aCancelledFlowStopsWithoutItsCallbackAndCountsOnlyWhatMoved() {
    Resource up = new Resource("up", 100e6);
    boolean[] called = {false};
    Flow f = net.start(new Resource[] {up}, 100_000_000, false, () -> called[0] = true);
    sim.at(500_000_000L, () -> net.cancel(f));
    sim.run(Long.MAX_VALUE, () -> false);
    assertTrue(!called[0]);
    assertEquals(50e6, moved[0], 1);
    assertTrue(up.flows.isEmpty());
  }

  @Test
  void theAgendaHoldsOneCompletionPerFlowWhateverItsRateChanges() {
    Resource up = new Resource("up", 100e6);
    List<Long> done = new ArrayList<>();
    List<Flow> flows = new ArrayList<>();
    // Ten flows of 10..100 MB start one after another on one link: every start and end changes every rate.
    for (int i = 1; i <= 10; i++) {
      long bytes = i * 10_000_000L;
      flows.add(net.start(new Resource[] {up}, bytes, false, () -> done.add(sim.now())));
      assertEquals(i, sim.pending(), "one completion event per flow after " + i + " starts");
    }
    net.cancel(flows.get(9));
    assertEquals(9, sim.pending(), "a cancel takes its completion off the agenda");
    sim.run(Long.MAX_VALUE, () -> false);
    assertEquals(9, done.size());
    // Processor sharing: flow k (10k MB) ends when the first k have moved, at 100 MB/s in total:
    // t_k = t_{k-1} + (10 MB) x (10 - k) / 100 MB/s with 9 flows left at the start.
    double t = 0;
    for (int k = 1; k <= 9; k++) {
      t += 10e6 * (10 - k) / 100e6;
      assertEquals(t * 1e9, done.get(k - 1), 10, "flow " + k);
    }
    assertEquals(9 * 10 * 45e6 / 9, moved[0], 1e3); // 10 + 20 + ... + 90 MB
  }
}
