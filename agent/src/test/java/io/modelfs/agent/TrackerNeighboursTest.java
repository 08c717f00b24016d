package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import io.modelfs.tracker.TrackerClient;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** How often the neighbour refresh asks the tracker: bursts fold into one ask, the leader's pace stretches the period. */
class TrackerNeighboursTest {
  private final AtomicInteger asks = new AtomicInteger();
  private final TrackerClient tracker = (TrackerClient) Proxy.newProxyInstance(getClass().getClassLoader(),
      new Class<?>[] {TrackerClient.class}, (proxy, method, args) -> {
        if (method.getName().equals("neighbours")) {
          asks.incrementAndGet();
          return List.of(new TrackerClient.Node("n1", "127.0.0.1:7001", "z"));
        }
        throw new UnsupportedOperationException(method.getName());
      });
  private final List<Digest> served = List.of(Digest.sha256(new byte[] {1}));

  @Test
  void aBurstOfRefreshRequestsMakesAtMostOneAskPerGap() throws Exception {
    try (TrackerNeighbours n = new TrackerNeighbours(tracker, "self", () -> served, Duration.ofMinutes(1), () -> Duration.ZERO)) {
      awaitAsks(1);
      // the ask is counted before its answer is stored: wait (bounded) for the answer too
      for (int i = 0; i < 500 && n.neighbours().isEmpty(); i++) {
        Thread.sleep(10);
      }
      assertEquals(1, n.neighbours().size(), "the first ask's answer is kept");
      for (int i = 0; i < 1_000; i++) {
        n.refreshSoon();
      }
      awaitAsks(2);
      Thread.sleep(TrackerNeighbours.MIN_GAP.toMillis() * 3);
      assertEquals(2, asks.get(), "1,000 refresh requests in a burst made one more ask, not " + (asks.get() - 1));
    }
  }

  @Test
  void theLeadersReportIntervalStretchesThePeriod() throws Exception {
    try (TrackerNeighbours n = new TrackerNeighbours(tracker, "self", () -> served, Duration.ofMillis(50),
        () -> Duration.ofMillis(500))) {
      awaitAsks(1);
      for (int i = 0; i < 100; i++) {
        n.refreshSoon();
      }
      Thread.sleep(1_500);
      int made = asks.get();
      assertTrue(made >= 2 && made <= 3, "asked " + made + " times in 1.5 s at a 500 ms report pace, so at most every"
          + " 1 s even when asked to refresh (a 50 ms period would ask ~30)");
    }
  }

  private void awaitAsks(int n) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (asks.get() < n && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    assertTrue(asks.get() >= n, "only " + asks.get() + " asks after 10 s, expected " + n);
  }
}
