package io.modelfs.agent;

import io.modelfs.agent.control.ControlService;
import io.modelfs.agent.http.HttpApi;
import io.modelfs.agent.http.Readiness;
import io.modelfs.agent.http.SwarmJson;
import io.modelfs.agent.http.TrackerView;
import io.modelfs.tracker.TrackerClient;
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
  /** How long {@code modelfs status} waits for a fresh swarm view when nobody has looked at it lately. */
  static final java.time.Duration STATUS_WAIT = java.time.Duration.ofSeconds(3);
  private final AgentConfig config;
  private final AgentMetrics metrics;
  private final Readiness readiness = new Readiness();
  private final MountCheck mountCheck;
  private final NodeStatus status;
  private final Clock clock;
  private volatile HttpApi http;
  private volatile TrackerView trackerView;

  private Telemetry(AgentConfig config, AgentCatalog catalog, ChunkStore store, Clock clock) {
    this.config = config;
    this.clock = clock;
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

  /** Names this node by its swarm id in its status and in {@code /api/swarm}. */
  void nodeId(String id) {
    status.nodeId(id);
  }

  /**
   * Shows the whole swarm through {@code tracker} (the group {@code replicas}) in {@code /api/swarm}
   * and the dashboard (fetched only while someone looks at it), and makes readiness say "degraded"
   * while it is unreachable: judged by {@code session} (true while this node's tracker session's
   * last call got through; null without a session) when nobody looks at the view. Call once,
   * before {@link #serveHttp()}; the caller keeps owning the client.
   */
  void useTracker(TrackerClient tracker, String replicas, java.util.function.BooleanSupplier session) {
    TrackerView v = TrackerView.start(tracker, replicas, clock, session);
    trackerView = v;
    readiness.register("tracker", v);
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
          new HttpApi.Sources(metrics::scrape, () -> SwarmJson.json(status()), readiness, this::swarmJson));
    }
  }

  /** {@code modelfs status}: this node and, with a tracker, the tracker and every other node it knows. */
  AgentStatus controlStatus() {
    AgentStatus self = status();
    TrackerView v = trackerView;
    if (v == null) {
      return self;
    }
    SwarmJson.TrackerState t;
    try {
      t = v.state(STATUS_WAIT); // a one-shot CLI: wait briefly for a fresh view rather than show an idle one
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      t = v.state();
    }
    AgentStatus.Builder b = self.toBuilder().setTracker(SwarmJson.summary(t));
    if (t.view() != null) {
      b.addAllSwarm(SwarmJson.others(t.view(), self.getNode()));
    }
    return b.build();
  }

  /** {@code GET /api/swarm}: this node, and every other one the tracker knows if there is a tracker. */
  String swarmJson() {
    TrackerView v = trackerView;
    return SwarmJson.render(status(), v == null ? null : v.state());
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
    TrackerView v = trackerView;
    if (v != null) {
      v.close();
    }
    mountCheck.close();
    metrics.close();
  }
}
