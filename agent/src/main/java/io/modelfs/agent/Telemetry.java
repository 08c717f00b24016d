package io.modelfs.agent;

import io.modelfs.agent.control.ControlService;
import io.modelfs.agent.http.HttpApi;
import io.modelfs.agent.http.Readiness;
import io.modelfs.agent.metrics.AgentMetrics;
import io.modelfs.core.proto.AgentStatus;
import io.modelfs.store.ChunkStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;

/**
 * The agent's observability, wired in one place: metrics (the store's counters, fetches through
 * the catalog's loaders, control requests), readiness (the mount; the tracker registers its own
 * check), the node's status and, if {@link AgentConfig#http()} is set, the HTTP endpoints.
 */
final class Telemetry implements AutoCloseable {
  private final AgentConfig config;
  private final AgentMetrics metrics;
  private final Readiness readiness = new Readiness();
  private final MountCheck mountCheck;
  private final NodeStatus status;
  private volatile HttpApi http;

  private Telemetry(AgentConfig config, AgentCatalog catalog, ChunkStore store, Clock clock) {
    this.config = config;
    this.metrics = AgentMetrics.start(clock);
    metrics.bindStore(store::stats);
    metrics.gauge("modelfs.models.open", "Models opened (looked up or pulled) since start", catalog,
        c -> c.openRefs().size());
    catalog.useMetrics(metrics);
    this.mountCheck = new MountCheck(config.mount());
    readiness.register("mount", mountCheck);
    this.status = new NodeStatus(catalog, store, config, metrics, readiness, clock);
  }

  /** Metrics and readiness for an agent whose catalog and store exist; HTTP waits for {@link #serveHttp()}. */
  static Telemetry start(AgentConfig config, AgentCatalog catalog, ChunkStore store) {
    return new Telemetry(config, catalog, store, Clock.systemUTC());
  }

  /** {@code service} with its requests counted. */
  ControlService metered(ControlService service) {
    return metrics.metered(service);
  }

  /** Counts the mount's callbacks. */
  io.modelfs.fuse.FuseListener fuseListener() {
    return metrics.fuseListener();
  }

  AgentStatus status() {
    return status.snapshot();
  }

  Readiness readiness() {
    return readiness;
  }

  AgentMetrics metrics() {
    return metrics;
  }

  /** Starts the HTTP endpoints if the config asks for them; call once the mount serves. */
  void serveHttp() throws IOException {
    if (config.http() != null) {
      http = HttpApi.start(config.http().socketAddress(),
          new HttpApi.Sources(metrics::scrape, this::status, readiness, () -> null));
    }
  }

  /** The bound HTTP address, or null when not serving HTTP. */
  InetSocketAddress httpAddress() {
    HttpApi h = http;
    return h == null ? null : h.address();
  }

  @Override
  public void close() {
    HttpApi h = http;
    if (h != null) {
      h.close();
    }
    mountCheck.close();
    metrics.close();
  }
}
