package io.modelfs.agent.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.modelfs.tracker.TrackerListener;
import io.modelfs.tracker.TrackerServer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * One tracker replica's metrics, for {@code modelfs tracker --http}: its Raft role, term and
 * indices, the registry's size, origin leases (held now, granted, taken over) and every request
 * it handled by kind and outcome with its latency.
 *
 * <p>Names (Prometheus): {@code modelfs_tracker_role{role}} (1 for the current role, 0 for the
 * others), {@code modelfs_tracker_leader} (1 on the leader), {@code modelfs_tracker_term},
 * {@code modelfs_tracker_commit_index}, {@code modelfs_tracker_applied_index}, {@code
 * modelfs_tracker_nodes}, {@code modelfs_tracker_models}, {@code modelfs_tracker_names}, {@code
 * modelfs_tracker_leases_active}, {@code modelfs_tracker_lease_grants_total}, {@code
 * modelfs_tracker_lease_takeovers_total}, {@code modelfs_tracker_requests_seconds{kind,outcome}}
 * (histogram; its count is the request count), plus the JVM's. Thread-safe.
 */
public final class TrackerMetrics implements TrackerListener, AutoCloseable {
  private static final List<String> ROLES = List.of("LEADER", "FOLLOWER", "CANDIDATE", "LISTENER", "STARTING");
  private static final Duration[] BUCKETS = {
    Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
    Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5)
  };

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Clock clock;
  private final Map<String, Timer> requests = new ConcurrentHashMap<>();
  private volatile StatsCache<TrackerServer.Status> status;

  public TrackerMetrics(Clock clock) {
    this.clock = clock;
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  /** Exposes the replica's status, read (at most twice a second) when scraped. Call once. */
  public void bind(Supplier<TrackerServer.Status> source) {
    StatsCache<TrackerServer.Status> s = new StatsCache<>(source, clock, 500);
    status = s;
    for (String role : ROLES) {
      Gauge.builder("modelfs.tracker.role", s, st -> st.get().role().equals(role) ? 1 : 0).tag("role", role)
          .description("1 for this replica's current Raft role").strongReference(true).register(registry);
    }
    gauge("modelfs.tracker.leader", "1 if this replica is the leader", s, st -> st.get().role().equals("LEADER") ? 1 : 0);
    gauge("modelfs.tracker.term", "The current Raft term", s, st -> st.get().term());
    gauge("modelfs.tracker.commit.index", "The highest log index known committed", s, st -> st.get().commitIndex());
    gauge("modelfs.tracker.applied.index", "The highest log index applied to the registry", s, st -> st.get().appliedIndex());
    gauge("modelfs.tracker.nodes", "Nodes registered", s, st -> st.get().nodes());
    gauge("modelfs.tracker.models", "Models published", s, st -> st.get().models());
    gauge("modelfs.tracker.names", "name:tag entries", s, st -> st.get().names());
    gauge("modelfs.tracker.leases.active", "Origin leases held now (on the leader)", s, st -> st.get().activeLeases());
    FunctionCounter.builder("modelfs.tracker.lease.grants", s, st -> st.get().leaseGrants())
        .description("Origin leases granted by this replica while leader").register(registry);
    FunctionCounter.builder("modelfs.tracker.lease.takeovers", s, st -> st.get().leaseTakeovers())
        .description("Leases granted on a chunk whose previous lease lapsed (holder silent or gone)").register(registry);
  }

  private <T> void gauge(String name, String help, T obj, ToDoubleFunction<T> value) {
    Gauge.builder(name, obj, value).description(help).strongReference(true).register(registry);
  }

  @Override
  public void handled(String kind, boolean ok, Duration took) {
    requests.computeIfAbsent(kind + (ok ? "/ok" : "/error"), k -> Timer.builder("modelfs.tracker.requests")
        .tag("kind", kind.toLowerCase(java.util.Locale.ROOT)).tag("outcome", ok ? "ok" : "error")
        .description("Tracker requests by kind and outcome, from arrival to reply")
        .serviceLevelObjectives(BUCKETS).register(registry)).record(took);
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    registry.close();
  }
}
