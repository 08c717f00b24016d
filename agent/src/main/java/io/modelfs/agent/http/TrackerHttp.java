package io.modelfs.agent.http;

import io.modelfs.agent.metrics.TrackerMetrics;
import io.modelfs.tracker.TrackerClient;
import io.modelfs.tracker.TrackerServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;

/**
 * A tracker replica's HTTP endpoints ({@code modelfs tracker --http HOST:PORT}), the same paths as
 * an agent's ({@link HttpApi}):
 *
 * <pre>
 * GET /metrics      Prometheus text ({@link TrackerMetrics}: role, term, commit index, registry, leases, requests)
 * GET /healthz      200 while the process serves
 * GET /readyz       200 when this replica is the leader or follows a known leader, else 503
 * GET /api/status   this replica: {"id", "role", "leader", "term", "commitIndex", ...}
 * GET /api/swarm    every node with address, zone, last seen, models and chunk counts held, leases (see {@link SwarmJson})
 * GET /             the dashboard
 * </pre>
 *
 * The swarm view comes from the leader through {@code client} (a Ratis read-only query), fetched
 * in the background by a {@link TrackerView}, so any replica serves it and no request waits on Raft.
 */
public final class TrackerHttp implements AutoCloseable {
  private final HttpApi http;
  private final TrackerView view;

  private TrackerHttp(HttpApi http, TrackerView view) {
    this.http = http;
    this.view = view;
  }

  /** Serves {@code server}'s endpoints on {@code address}; the caller keeps owning the server, metrics and client. */
  public static TrackerHttp start(InetSocketAddress address, TrackerServer server, TrackerMetrics metrics,
      TrackerClient client, Clock clock) throws IOException {
    Readiness readiness = new Readiness();
    readiness.register("raft", () -> raft(server.status()));
    TrackerView view = TrackerView.start(client, server.config().peers().toString(), clock);
    try {
      HttpApi http = HttpApi.start(address, new HttpApi.Sources(metrics::scrape, () -> status(server.status()),
          readiness, () -> SwarmJson.render(null, view.state())));
      return new TrackerHttp(http, view);
    } catch (IOException | RuntimeException e) {
      view.close();
      throw e;
    }
  }

  static HealthCheck.Result raft(TrackerServer.Status s) {
    if (!s.ready()) {
      return HealthCheck.Result.down("no leader known (role " + s.role() + ", term " + s.term() + ")");
    }
    return HealthCheck.Result.up(s.role().equals("LEADER") ? "leader, term " + s.term()
        : "following " + s.leaderId() + ", term " + s.term());
  }

  /** {@code GET /api/status} of a replica. */
  static String status(TrackerServer.Status s) {
    return "{\n  \"id\": " + SwarmJson.quote(s.id())
        + ",\n  \"role\": " + SwarmJson.quote(s.role())
        + ",\n  \"leader\": " + (s.leaderId() == null ? "null" : SwarmJson.quote(s.leaderId()))
        + ",\n  \"ready\": " + s.ready()
        + ",\n  \"term\": " + s.term()
        + ",\n  \"commitIndex\": " + s.commitIndex()
        + ",\n  \"appliedIndex\": " + s.appliedIndex()
        + ",\n  \"nodes\": " + s.nodes()
        + ",\n  \"models\": " + s.models()
        + ",\n  \"names\": " + s.names()
        + ",\n  \"activeLeases\": " + s.activeLeases()
        + ",\n  \"leaseGrants\": " + s.leaseGrants()
        + ",\n  \"leaseTakeovers\": " + s.leaseTakeovers()
        + "\n}";
  }

  /** The bound address (the real port when 0 was asked for). */
  public InetSocketAddress address() {
    return http.address();
  }

  @Override
  public void close() {
    http.close();
    view.close();
  }
}
