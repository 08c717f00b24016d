package io.modelfs.agent.cli;

import io.modelfs.agent.http.HttpAddress;
import io.modelfs.agent.http.TrackerHttp;
import io.modelfs.agent.metrics.TrackerMetrics;
import io.modelfs.core.Durations;
import io.modelfs.tracker.TrackerClient;
import io.modelfs.tracker.TrackerClients;
import java.io.IOException;
import java.time.Clock;
import io.modelfs.tracker.TrackerConfig;
import io.modelfs.tracker.TrackerPeers;
import io.modelfs.tracker.TrackerServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "tracker",
    description = "Run one tracker replica (names, manifests, membership in Raft; availability and origin leases on the leader) until stopped. Three replicas with the same --peers form a group.")
final class TrackerCommand implements Callable<Integer> {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TrackerCommand.class);

  @Mixin
  DaemonOptions daemon;

  @Option(names = "--id", description = "This replica's id; must appear in --peers (required).")
  String id;

  @Option(names = "--peers", paramLabel = "ID=HOST:PORT,...",
      description = "Every replica of the group, this one included, e.g. t1=10.0.0.1:7300,t2=10.0.0.2:7300,t3=10.0.0.3:7300. Agents take the same list with --tracker.")
  String peers;

  @Option(names = "--data", description = "Directory for this replica's Raft log and snapshots (keep it across restarts) (required).")
  Path data;

  @Option(names = "--lease-ttl", description = "An origin lease lapses this long after its holder was last heard from (default: ${DEFAULT-VALUE}).")
  String leaseTtl = "10s";

  @Option(names = "--origin-cap", description = "Origin fetches under lease at once, swarm-wide (default: ${DEFAULT-VALUE}).")
  int originCap = 64;

  @Option(names = "--node-ttl", description = "A node without a durable heartbeat for this long is forgotten (default: ${DEFAULT-VALUE}).")
  String nodeTtl = "2m";

  @Option(names = "--http", paramLabel = "HOST:PORT",
      description = "Serve /metrics, /healthz, /readyz, /api/status, /api/swarm and the dashboard at / here, e.g."
          + " 127.0.0.1:7071; 'off' serves none (default: ${DEFAULT-VALUE}).")
  String http = "off";

  @Mixin
  TlsOptions tls;

  @Override
  public Integer call() throws Exception {
    daemon.begin();
    TrackerPeers group = peers == null ? null : daemon.parse("peers", peers, TrackerPeers::parse);
    var leaseTtl = daemon.parse("lease-ttl", this.leaseTtl, Durations::parse);
    var nodeTtl = daemon.parse("node-ttl", this.nodeTtl, Durations::parse);
    HttpAddress httpAddress = http.equals("off") ? null : daemon.parse("http", http, HttpAddress::parse);
    if (daemon.printedOrLogging()) {
      return 0;
    }
    daemon.require("id", id);
    daemon.require("peers", peers);
    daemon.require("data", data);
    TrackerConfig config = TrackerConfig.of(id, group, data)
        .withLeaseTtl(leaseTtl)
        .withNodeTtl(nodeTtl)
        .withOriginCap(originCap)
        .withTls(tls.files());
    LogFormat.node(id);
    org.slf4j.MDC.put("node", id);
    TrackerMetrics metrics = new TrackerMetrics(Clock.systemUTC());
    TrackerServer server = TrackerServer.start(config, metrics);
    metrics.bind(server::status);
    TrackerClient client = null;
    TrackerHttp endpoints = null;
    if (httpAddress != null) {
      client = TrackerClients.connect(config.peers(), io.modelfs.tracker.TrackerClientConfig.defaults().withTls(config.tls()));
      try {
        endpoints = TrackerHttp.start(httpAddress.socketAddress(), server, metrics, client, Clock.systemUTC());
      } catch (IOException | RuntimeException e) {
        client.close();
        server.close();
        throw e;
      }
    }
    TrackerClient openClient = client;
    TrackerHttp openHttp = endpoints;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (openHttp != null) {
        openHttp.close();
      }
      if (openClient != null) {
        openClient.close();
      }
      server.close();
      metrics.close();
      stopped.countDown();
    }, "tracker-shutdown"));
    log.info("modelfs tracker {}: serving {} in group {}; data {}; http {}; Ctrl-C to stop", id,
        config.peers().find(id).orElseThrow().address(), config.peers(), data,
        endpoints == null ? "off" : "http://" + endpoints.address().getHostString() + ":" + endpoints.address().getPort() + "/");
    stopped.await();
    return 0;
  }
}
