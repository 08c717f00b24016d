package io.modelfs.agent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.modelfs.agent.control.ControlService;
import io.modelfs.core.proto.Traffic;
import io.modelfs.store.ChunkStore.StoreStats;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * One agent's metrics: a Prometheus registry ({@link #scrape()} is {@code GET /metrics}), the
 * {@link FetchMetrics} the data path records into, the store's counters read at scrape time,
 * control requests, and traffic rates for the dashboard and {@code modelfs status}.
 *
 * <p>Names (Prometheus): {@code modelfs_served_bytes_total{source}}, {@code
 * modelfs_uploaded_bytes_total}, {@code modelfs_uploaded_chunks_total}, {@code modelfs_fetch_seconds{source,outcome}} (histogram),
 * {@code modelfs_fetch_verification_failures_total{source}}, {@code modelfs_store_*}, {@code
 * modelfs_control_requests_total{command,outcome}}, {@code modelfs_pulls_active}, {@code
 * modelfs_fuse_operations_seconds{op}}, {@code modelfs_fuse_errors_total{op,errno}}, {@code
 * modelfs_peers_connected} (registered by the agent when it runs a swarm), the origin leases' (see
 * {@link MeteredLeases}; {@code modelfs_leases_held} registered by the agent), plus the JVM's.
 * Thread-safe.
 */
public final class AgentMetrics implements FetchMetrics, AutoCloseable {
  /** Fetch latency buckets: a local disk in milliseconds up to a throttled origin in tens of seconds. */
  private static final Duration[] FETCH_BUCKETS = {
    Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
    Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
    Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)
  };
  private static final long RATE_WINDOW_MILLIS = 5_000;
  private static final Source[] TRAFFIC = {Source.LOCAL, Source.PEER, Source.ORIGIN};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Clock clock;
  private final Map<Source, Counter> served = new EnumMap<>(Source.class);
  private final Map<Source, Timer> fetchOk = new EnumMap<>(Source.class);
  private final Map<Source, Timer> fetchFailed = new EnumMap<>(Source.class);
  private final Map<Source, Timer> fetchCorrupt = new EnumMap<>(Source.class);
  private final Map<Source, Counter> corrupt = new EnumMap<>(Source.class);
  private final Counter uploaded;
  private final Counter uploadedChunks;
  private final TrafficRates rates = new TrafficRates(RATE_WINDOW_MILLIS, TRAFFIC.length + 1);
  private final ControlMetrics control;
  private final FuseMetrics fuse;
  private final MeteredLeases leases;
  private final ScheduledExecutorService sampler;
  private volatile StatsCache<StoreStats> storeStats;

  private AgentMetrics(Clock clock, boolean sample) {
    this.clock = clock;
    for (Source s : Source.values()) {
      served.put(s, Counter.builder("modelfs.served.bytes").tag("source", s.label())
          .description("Bytes handed to readers and pulls by source: local = reads of chunks already local; "
              + "peer/origin = chunks fetched, verified and stored")
          .register(registry));
      fetchOk.put(s, fetchTimer(s, "ok"));
      fetchFailed.put(s, fetchTimer(s, "failed"));
      fetchCorrupt.put(s, fetchTimer(s, "corrupt"));
      corrupt.put(s, Counter.builder("modelfs.fetch.verification.failures").tag("source", s.label())
          .description("Chunks whose bytes did not match their digest (dropped, never served)")
          .register(registry));
    }
    uploaded = Counter.builder("modelfs.uploaded.bytes").description("Bytes of chunks sent to peers").register(registry);
    uploadedChunks = Counter.builder("modelfs.uploaded.chunks")
        .description("Chunk (or range) uploads to peers completed").register(registry);
    control = new ControlMetrics(registry);
    fuse = new FuseMetrics(registry);
    leases = new MeteredLeases(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    sampleTraffic();
    if (sample) {
      sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "metrics-sampler");
        t.setDaemon(true);
        return t;
      });
      sampler.scheduleAtFixedRate(this::sampleTraffic, 1, 1, TimeUnit.SECONDS);
    } else {
      sampler = null;
    }
  }

  /** Metrics sampling traffic rates once a second on a daemon thread until {@link #close()}. */
  public static AgentMetrics start(Clock clock) {
    return new AgentMetrics(clock, true);
  }

  /** Metrics without the sampling thread: rates move only when {@link #sampleTraffic()} is called. */
  static AgentMetrics manual(Clock clock) {
    return new AgentMetrics(clock, false);
  }

  private Timer fetchTimer(Source s, String outcome) {
    return Timer.builder("modelfs.fetch").tag("source", s.label()).tag("outcome", outcome)
        .description("Time from a chunk load's start to the chunk stored (ok) or given up (failed, corrupt)")
        .serviceLevelObjectives(FETCH_BUCKETS)
        .register(registry);
  }

  @Override
  public void fetched(Source source, long bytes, Duration took) {
    served.get(source).increment(bytes);
    fetchOk.get(source).record(took);
  }

  @Override
  public void fetchFailed(Source source, boolean isCorrupt, Duration took) {
    if (isCorrupt) {
      corrupt.get(source).increment();
      fetchCorrupt.get(source).record(took);
    } else {
      fetchFailed.get(source).record(took);
    }
  }

  @Override
  public void servedLocally(long bytes) {
    served.get(Source.LOCAL).increment(bytes);
  }

  @Override
  public void uploaded(long bytes) {
    uploaded.increment(bytes);
    uploadedChunks.increment();
  }

  /** Exposes the store's size and counters, read (at most twice a second) when scraped. */
  public void bindStore(Supplier<StoreStats> stats) {
    StatsCache<StoreStats> s = new StatsCache<>(stats, clock, 500);
    storeStats = s; // meters hold their object weakly
    gauge("modelfs.store.chunks", "Chunks in the local store", s, st -> st.get().chunks());
    gauge("modelfs.store.bytes", "Bytes in the local store", s, st -> st.get().bytes());
    gauge("modelfs.store.budget.bytes", "The store's byte budget (0: none)", s, st -> st.get().budgetBytes());
    counter("modelfs.store.loads", "Chunk loads run by the store", s, st -> st.get().loads());
    counter("modelfs.store.load.failures", "Chunk loads that failed (source or disk)", s, st -> st.get().loadFailures());
    counter("modelfs.store.verification.failures", "Chunks that failed verification on the way in or in verify",
        s, st -> st.get().verificationFailures());
    counter("modelfs.store.hits", "Chunk lookups that found the chunk stored", s, st -> st.get().hits());
    counter("modelfs.store.misses", "Chunk requests that had to load", s, st -> st.get().misses());
    counter("modelfs.store.written.bytes", "Bytes published into the store", s, st -> st.get().bytesIn());
    counter("modelfs.store.read.bytes", "Bytes read from the store", s, st -> st.get().bytesOut());
    counter("modelfs.store.read.memory.bytes", "Bytes read from the store that came from the memory chunks were loaded"
        + " into (part of modelfs.store.read.bytes)", s, st -> st.get().bytesOutOfMemory());
    counter("modelfs.store.evictions", "Chunks evicted", s, st -> st.get().evictions());
  }

  /** Registers a gauge read when scraped, e.g. open models; {@code name} in Micrometer's dotted form. */
  public <T> void gauge(String name, String help, T obj, ToDoubleFunction<T> value) {
    Gauge.builder(name, obj, value).description(help).strongReference(true).register(registry);
  }

  private <T> void counter(String name, String help, T obj, ToDoubleFunction<T> value) {
    FunctionCounter.builder(name, obj, value).description(help).register(registry);
  }

  /** Records origin lease requests, waits and unleased fallbacks: pass to the fetch driver. */
  public LeaseMetrics leases() {
    return leases;
  }

  /** Records the mount's callbacks: pass to {@code FuseMount.mount}. */
  public io.modelfs.fuse.FuseListener fuseListener() {
    return fuse;
  }

  /** {@code service} with its requests counted by command and outcome. */
  public ControlService metered(ControlService service) {
    return control.metered(service);
  }

  /** The registry, for modules that add meters of their own. */
  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /** Takes a traffic sample now (the sampling thread does this every second). */
  public void sampleTraffic() {
    long[] totals = new long[TRAFFIC.length + 1];
    for (int i = 0; i < TRAFFIC.length; i++) {
      totals[i] = (long) served.get(TRAFFIC[i]).count();
    }
    totals[TRAFFIC.length] = (long) uploaded.count();
    rates.record(clock.millis(), totals);
  }

  /** Totals since start and rates over the last few seconds, as {@code /api/status} shows them. */
  public Traffic traffic() {
    double[] r = rates.rates();
    return Traffic.newBuilder()
        .setLocalBytes((long) served.get(Source.LOCAL).count())
        .setPeerBytes((long) served.get(Source.PEER).count())
        .setOriginBytes((long) served.get(Source.ORIGIN).count())
        .setUploadedBytes((long) uploaded.count())
        .setUploadedChunks((long) uploadedChunks.count())
        .setLocalBytesPerSecond(r[0])
        .setPeerBytesPerSecond(r[1])
        .setOriginBytesPerSecond(r[2])
        .setUploadedBytesPerSecond(r[3])
        .build();
  }

  /** Stops the sampling thread and the registry. */
  @Override
  public void close() {
    if (sampler != null) {
      sampler.shutdownNow();
    }
    registry.close();
  }
}
