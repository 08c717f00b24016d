package io.modelfs.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.proto.Traffic;
import io.modelfs.store.ChunkStore.StoreStats;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class AgentMetricsTest {
  private static final class MutableClock extends Clock {
    long millis;

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }
  }

  @Test
  void countsServedBytesBySourceAndRatesFollowTheClock() {
    MutableClock clock = new MutableClock();
    try (AgentMetrics m = AgentMetrics.manual(clock)) {
      clock.millis = 1000;
      m.fetched(Source.ORIGIN, 4096, Duration.ofMillis(30));
      m.servedLocally(100);
      m.sampleTraffic();
      clock.millis = 3000;
      m.fetched(Source.ORIGIN, 4096, Duration.ofMillis(30));
      m.fetched(Source.PEER, 2000, Duration.ofMillis(3));
      m.sampleTraffic();
      Traffic t = m.traffic();
      assertEquals(8192, t.getOriginBytes());
      assertEquals(2000, t.getPeerBytes());
      assertEquals(100, t.getLocalBytes());
      // Samples at 0 s (creation), 1 s and 3 s: origin 8192 bytes over 3 s.
      assertEquals(8192 / 3.0, t.getOriginBytesPerSecond(), 1e-6);
      assertEquals(2000 / 3.0, t.getPeerBytesPerSecond(), 1e-6);
    }
  }

  @Test
  void scrapeHasFetchHistogramVerificationFailuresAndStoreCounters() {
    try (AgentMetrics m = AgentMetrics.manual(Clock.systemUTC())) {
      m.bindStore(() -> new StoreStats(3, 300, 1000, 4, 1, 1, 5, 4, 300, 70, 2, 50));
      m.fetched(Source.ORIGIN, 100, Duration.ofMillis(7));
      m.fetchFailed(Source.PEER, true, Duration.ofMillis(2));
      m.fetchFailed(Source.ORIGIN, false, Duration.ofSeconds(3));
      String text = m.scrape();
      assertTrue(text.contains("modelfs_fetch_seconds_bucket{outcome=\"ok\",source=\"origin\",le=\"0.01\"} 1"), text);
      assertTrue(text.contains("modelfs_fetch_seconds_bucket{outcome=\"ok\",source=\"origin\",le=\"0.005\"} 0"), text);
      assertTrue(text.contains("modelfs_fetch_seconds_count{outcome=\"failed\",source=\"origin\"} 1"), text);
      assertTrue(text.contains("modelfs_fetch_verification_failures_total{source=\"peer\"} 1.0"), text);
      assertTrue(text.contains("modelfs_store_chunks 3.0"), text);
      assertTrue(text.contains("modelfs_store_evictions_total 2.0"), text);
      assertTrue(text.contains("modelfs_store_verification_failures_total 1.0"), text);
      assertTrue(text.contains("# TYPE modelfs_served_bytes_total counter"), text);
    }
  }
}
