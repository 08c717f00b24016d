package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelfs.agent.http.HttpAddress;
import io.modelfs.agent.http.TrackerHttp;
import io.modelfs.agent.metrics.TrackerMetrics;
import io.modelfs.core.ManifestCodec;
import io.modelfs.origin.Importer;
import io.modelfs.origin.Origins;
import io.modelfs.tracker.TrackerClient;
import io.modelfs.tracker.TrackerClients;
import io.modelfs.tracker.TrackerConfig;
import io.modelfs.tracker.TrackerPeers;
import io.modelfs.tracker.TrackerServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tracker's HTTP endpoints on a real three-replica Ratis group over loopback, each replica
 * wired as {@code modelfs tracker --http} wires it: readiness on leader and followers, the Raft and
 * lease metrics, the swarm view on any replica; then an agent with {@code --tracker} shows the
 * whole swarm in its own {@code /api/swarm} and says the tracker is up in {@code /readyz}.
 */
class TrackerHttpIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path tmp;
  private final List<AutoCloseable> open = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();

  /** One replica as TrackerCommand starts it. */
  private record Replica(TrackerServer server, TrackerHttp http) {
    String base() {
      return "http://127.0.0.1:" + http.address().getPort();
    }
  }

  @AfterEach
  void closeAll() {
    for (int i = open.size() - 1; i >= 0; i--) {
      try {
        open.get(i).close();
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  private Replica replica(String id, TrackerPeers peers) throws IOException {
    TrackerMetrics metrics = new TrackerMetrics(Clock.systemUTC());
    open.add(metrics);
    TrackerServer server = TrackerServer.start(TrackerConfig.of(id, peers, tmp.resolve(id))
        .withElectionTimeout(Duration.ofMillis(1500)).withLeaseTtl(Duration.ofMinutes(2)), metrics);
    open.add(server);
    metrics.bind(server::status);
    TrackerClient client = TrackerClients.connect(peers);
    open.add(client);
    TrackerHttp endpoints = TrackerHttp.start(new InetSocketAddress("127.0.0.1", 0), server, metrics, client,
        Clock.systemUTC());
    open.add(endpoints);
    return new Replica(server, endpoints);
  }

  @Test
  void replicasServeMetricsReadinessAndTheSwarmAndAnAgentShowsTheWholeSwarm() throws Exception {
    List<TrackerPeers.Peer> list = new ArrayList<>();
    for (String id : List.of("t1", "t2", "t3")) {
      list.add(new TrackerPeers.Peer(id, "127.0.0.1", freePort()));
    }
    TrackerPeers peers = new TrackerPeers(list);
    List<Replica> replicas = new ArrayList<>();
    for (TrackerPeers.Peer p : list) {
      replicas.add(replica(p.id(), peers));
    }
    await("a leader", () -> replicas.stream().filter(r -> r.server().isLeader()).findFirst());
    for (Replica r : replicas) {
      String ready = await(r.server().config().id() + " ready", () -> {
        HttpResponse<String> resp = get(r.base() + "/readyz");
        return resp.statusCode() == 200 ? Optional.of(resp.body()) : Optional.empty();
      });
      assertTrue(ready.startsWith("ready\nraft UP leader, term ") || ready.startsWith("ready\nraft UP following t"), ready);
      assertEquals("ok\n", get(r.base() + "/healthz").body());
      assertTrue(get(r.base() + "/").body().contains("<script src=\"/dashboard.js\">"), "the dashboard, on a tracker too");
      JsonNode status = json.readTree(get(r.base() + "/api/status").body());
      assertTrue(List.of("LEADER", "FOLLOWER").contains(status.get("role").asText()), status.toString());
      assertTrue(status.get("leader").asText().matches("t[123]"), status.toString());
    }

    // Two nodes: n1 holds 5 chunks of a published model, n2 asks for origin leases on two others.
    Importer.Result model = importModel();
    int chunks = (int) model.manifest().totalChunks();
    TrackerClient client = TrackerClients.connect(peers);
    open.add(client);
    client.publish(model.ref(), model.manifestBytes(), ManifestCodec.encodeSources(model.sources()));
    client.tag("tiny", "v1", model.ref());
    client.register("n1", "10.0.0.1:7400", "zone-a", 1L << 40);
    client.register("n2", "10.0.0.2:7400", "zone-b", 1L << 40);
    BitSet held = new BitSet();
    held.set(0, 5);
    // Soft state lives on the leader of one term: like a node's TrackerSession, announce (again) until it shows.
    JsonNode swarm = await("the swarm view on a follower", () -> {
      client.announceAll("n1", model.ref().digest(), held, chunks);
      client.lease("n2", model.ref().digest(), List.of(6), List.of()); // a request gets one new lease (LeaseTable)
      assertEquals(List.of(6, 7), client.lease("n2", model.ref().digest(), List.of(6, 7), List.of()).granted());
      client.ping("n1", io.modelfs.core.proto.Traffic.newBuilder().setPeerBytes(5000).setOriginBytes(3000).build());
      Replica follower = replicas.stream().filter(r -> !r.server().isLeader()).findFirst().orElseThrow();
      JsonNode s = json.readTree(get(follower.base() + "/api/swarm").body());
      return s.get("nodes").size() == 2 && s.get("tracker").path("activeLeases").asInt() == 2
          && node(s, "n1").get("completion").size() == 1
          && s.get("totals").get("traffic").get("originBytes").asText().equals("3000") ? Optional.of(s) : Optional.empty();
    });
    String leaderId = swarm.get("tracker").get("leader").asText();
    Replica leader = replicas.stream().filter(r -> r.server().config().id().equals(leaderId)).findFirst().orElseThrow();
    assertTrue(swarm.get("tracker").get("reachable").asBoolean());
    assertEquals(2, swarm.get("tracker").get("activeLeases").asInt());
    assertEquals("tiny:v1", swarm.get("tracker").get("models").get(0).get("names").get(0).asText());
    JsonNode n1 = node(swarm, "n1");
    assertEquals("10.0.0.1:7400", n1.get("peerAddress").asText());
    assertEquals("zone-a", n1.get("zone").asText());
    assertTrue(n1.get("readiness").asText().startsWith("ready (seen by the tracker"), n1.toString());
    JsonNode completion = n1.get("completion").get(0);
    assertEquals(model.ref().toString(), completion.get("ref").asText());
    assertEquals("5", completion.get("chunksLocal").asText());
    assertEquals(String.valueOf(chunks), completion.get("chunksTotal").asText());
    assertEquals(2, node(swarm, "n2").get("leasesHeld").asInt());
    // Traffic a node reports with its ping reaches every replica's view: per node and summed, with the saving.
    assertEquals("5000", n1.get("traffic").get("peerBytes").asText());
    assertEquals("5000", swarm.get("totals").get("originBytesSaved").asText());
    assertEquals("8000", swarm.get("totals").get("deliveredBytes").asText());

    String metrics = get(leader.base() + "/metrics").body();
    assertEquals(1, metric(metrics, "modelfs_tracker_role{role=\"LEADER\"}"));
    assertEquals(1, metric(metrics, "modelfs_tracker_leader"));
    assertTrue(metric(metrics, "modelfs_tracker_term") >= 1, metrics);
    assertTrue(metric(metrics, "modelfs_tracker_commit_index") >= 4, "publish, tag, two registrations committed");
    assertEquals(2, metric(metrics, "modelfs_tracker_nodes"));
    assertEquals(1, metric(metrics, "modelfs_tracker_models"));
    assertEquals(2, metric(metrics, "modelfs_tracker_leases_active"));
    assertTrue(metric(metrics, "modelfs_tracker_lease_grants_total") >= 2, metrics);
    assertEquals(0, metric(metrics, "modelfs_tracker_lease_takeovers_total"));
    assertTrue(metric(metrics, "modelfs_tracker_requests_seconds_count{kind=\"lease\",outcome=\"ok\"}") >= 1, metrics);
    double registers = 0;
    for (Replica r : replicas) { // each write is counted once, by the leader that accepted it
      String m = get(r.base() + "/metrics").body();
      registers += m.contains("kind=\"register\",outcome=\"ok\"")
          ? metric(m, "modelfs_tracker_requests_seconds_count{kind=\"register\",outcome=\"ok\"}") : 0;
    }
    assertEquals(2, registers);
    Replica follower = replicas.stream().filter(r -> r != leader).findFirst().orElseThrow();
    String followerMetrics = get(follower.base() + "/metrics").body();
    assertEquals(0, metric(followerMetrics, "modelfs_tracker_leader"));
    assertEquals(1, metric(followerMetrics, "modelfs_tracker_role{role=\"FOLLOWER\"}"));
    assertEquals(2, metric(followerMetrics, "modelfs_tracker_nodes"), "the registry is replicated");

    // An agent with --tracker: its /api/swarm is the whole swarm, itself in full first.
    Path key = Files.writeString(tmp.resolve("swarm.key"), "test-swarm-secret-0123456789abcdef\n");
    Map<String, InetSocketAddress> trackers = new java.util.LinkedHashMap<>();
    list.forEach(p -> trackers.put(p.id(), InetSocketAddress.createUnresolved(p.host(), p.port())));
    Agent agent = Agent.start(AgentConfig.of(tmp.resolve("mnt"), tmp.resolve("store"), List.of(), tmp.resolve("agent.sock"))
            .withHttp(new HttpAddress("127.0.0.1", 0)),
        new SwarmSettings(InetSocketAddress.createUnresolved("127.0.0.1", 0), "a1", key, trackers, List.of()));
    open.add(agent);
    String base = "http://127.0.0.1:" + agent.httpAddress().getPort();
    JsonNode view = await("the agent's swarm view", () -> {
      client.announceAll("n1", model.ref().digest(), held, chunks); // as above: survives a leader change
      client.lease("n2", model.ref().digest(), List.of(6, 7), List.of());
      JsonNode s = json.readTree(get(base + "/api/swarm").body());
      return s.get("tracker").get("reachable").asBoolean() && s.get("nodes").size() == 3
          && node(s, "n1").get("completion").size() == 1 ? Optional.of(s) : Optional.empty();
    });
    assertTrue(view.get("tracker").get("leader").asText().matches("t[123]"), view.toString());
    assertEquals("a1", view.get("nodes").get(0).get("node").asText(), "this node first, in full");
    assertTrue(view.get("nodes").get(0).has("traffic"));
    assertEquals("5", node(view, "n1").get("completion").get(0).get("chunksLocal").asText());
    assertEquals(2, node(view, "n2").get("leasesHeld").asInt());
    String ready = get(base + "/readyz").body();
    assertTrue(ready.matches("(?s).*tracker UP leader t[123], term \\d+.*"), ready);

    // modelfs status prints the same swarm as a table.
    String table = cli("status", "--agent", tmp.resolve("agent.sock").toString());
    assertTrue(table.lines().anyMatch(l -> l.startsWith("tracker:   ") && l.contains("t1=127.0.0.1:") && l.contains("; leader t")), table);
    assertTrue(table.lines().anyMatch(l -> l.startsWith("a1 *") && l.contains("ready")), table);
    assertTrue(table.lines().anyMatch(l -> l.startsWith("n1 ") && l.contains("10.0.0.1:7400") && l.contains("zone-a")
        && l.contains("tiny 5/" + chunks)), table);
    // n2: 2 leases, delivering nothing (it reports no traffic), none of the model.
    assertTrue(table.lines().anyMatch(l -> l.startsWith("n2 ") && l.matches(".* 2 +0 B  tiny 0/" + chunks + "$")), table);
    assertTrue(table.lines().anyMatch(l -> l.startsWith("swarm:     3 nodes;") && l.contains("origin bytes saved")), table);
    JsonNode asJson = json.readTree(cli("status", "--json", "--agent", tmp.resolve("agent.sock").toString()));
    assertEquals(2, asJson.get("swarm").size(), asJson.toString());
  }

  /** A modelfs command run in this JVM (the parser and commands the jar runs), its stdout. */
  private static String cli(String... args) {
    java.io.PrintStream stdout = System.out;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    int code;
    System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      code = new picocli.CommandLine(new io.modelfs.agent.cli.Main()).execute(args);
    } finally {
      System.setOut(stdout);
    }
    String out = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, code, String.join(" ", args) + ": " + out);
    return out;
  }

  private Importer.Result importModel() throws IOException {
    Path source = Files.createDirectories(tmp.resolve("origin"));
    byte[] weights = new byte[10 * (64 << 10) + 123];
    new Random(5).nextBytes(weights);
    Files.write(source.resolve("weights.bin"), weights);
    return new Importer(new Importer.Config(64 << 10, 2)).run(Origins.open(source.toString()), "tiny",
        AgentIT.noProgress());
  }

  private static JsonNode node(JsonNode swarm, String id) {
    for (JsonNode n : swarm.get("nodes")) {
      if (n.get("node").asText().equals(id)) {
        return n;
      }
    }
    throw new AssertionError("no node " + id + " in " + swarm);
  }

  /** The value of the sample named exactly {@code series} in Prometheus text. */
  static double metric(String text, String series) {
    for (String line : text.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError("no sample " + series + " in:\n" + text);
  }

  private HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  interface Probe<T> {
    Optional<T> get() throws Exception;
  }

  /** Polls {@code probe} every 100 ms until it answers, for at most {@link #WAIT}. */
  static <T> T await(String what, Probe<T> probe) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        Optional<T> v = probe.get();
        if (v.isPresent()) {
          return v.get();
        }
      } catch (IOException e) {
        last = e;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("timed out waiting for " + what + (last == null ? "" : ": " + last));
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

}
