package io.modelfs.agent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * {@link LeaseMetrics} into a registry: {@code modelfs_lease_requests_seconds{outcome}},
 * {@code modelfs_leases_granted_total}, {@code modelfs_lease_waits_total},
 * {@code modelfs_lease_wait_seconds} (histogram) and {@code modelfs_origin_unleased_fetches_total}.
 * The gauge {@code modelfs_leases_held} is registered by the agent from the fetch driver.
 */
final class MeteredLeases implements LeaseMetrics {
  private static final Duration[] WAIT_BUCKETS = {
    Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
    Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)
  };

  private final Map<Outcome, Timer> requests = new EnumMap<>(Outcome.class);
  private final Counter granted;
  private final Counter waits;
  private final Timer waited;
  private final Counter unleased;

  MeteredLeases(MeterRegistry registry) {
    for (Outcome o : Outcome.values()) {
      requests.put(o, Timer.builder("modelfs.lease.requests").tag("outcome", o.label())
          .description("Origin lease requests to the tracker, by outcome, and how long each took").register(registry));
    }
    granted = Counter.builder("modelfs.leases.granted").description("Origin leases the tracker granted this node")
        .register(registry);
    waits = Counter.builder("modelfs.lease.waits")
        .description("Chunks told to wait because another node holds their origin lease (or the swarm's cap is reached)")
        .register(registry);
    waited = Timer.builder("modelfs.lease.wait")
        .description("From a chunk's first busy answer until it was granted, found on peers or arrived")
        .serviceLevelObjectives(WAIT_BUCKETS).register(registry);
    unleased = Counter.builder("modelfs.origin.unleased.fetches")
        .description("Origin fetches without a lease although a tracker is configured (per-node fallback)")
        .register(registry);
  }

  @Override
  public void requested(Outcome outcome, Duration took) {
    requests.get(outcome).record(took);
  }

  @Override
  public void granted(int leases) {
    granted.increment(leases);
  }

  @Override
  public void waitStarted() {
    waits.increment();
  }

  @Override
  public void waitEnded(Duration took) {
    waited.record(took);
  }

  @Override
  public void unleasedFallback() {
    unleased.increment();
  }
}
