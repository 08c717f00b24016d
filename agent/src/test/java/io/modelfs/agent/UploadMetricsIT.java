package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelfs.agent.control.ControlClient;
import io.modelfs.agent.http.HttpAddress;
import io.modelfs.core.ModelRef;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.core.proto.PullProgress;
import io.modelfs.core.proto.PullRequest;
import io.modelfs.origin.Importer;
import io.modelfs.origin.ManifestStore;
import io.modelfs.origin.Origins;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bytes served to peers are counted, over real sockets: agent A pulls a model from the origin,
 * the origin's data goes away, agent B pulls it from A. A's {@code /metrics} and {@code
 * /api/status} count every byte and chunk it uploaded; B's pull, as {@code modelfs pull --json}
 * prints it, says every byte came from peers; a second pull says every byte was already local.
 */
class UploadMetricsIT {
  private static final int CS = 256 << 10;
  private static final int CHUNKS = 9;
  private static final int SIZE = (CHUNKS - 1) * CS + 1000;

  @TempDir Path tmp;
  private final List<AutoCloseable> open = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Path source;
  private Path manifests;
  private ModelRef ref;
  private Path keyFile;

  @BeforeEach
  void importModel() throws IOException {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    source = Files.createDirectories(tmp.resolve("origin"));
    byte[] data = new byte[SIZE];
    new Random(11).nextBytes(data);
    Files.write(source.resolve("weights.bin"), data);
    Importer.Result r = new Importer(new Importer.Config(CS, 2)).run(Origins.open(source.toString()), "up-model",
        AgentIT.noProgress());
    manifests = source.resolve(".modelfs/manifests");
    ref = new ManifestStore(Origins.open(manifests.toString())).publish(r);
    keyFile = Files.writeString(tmp.resolve("swarm.key"), "test-swarm-secret-0123456789abcdef\n");
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private Agent agent(String id, List<InetSocketAddress> peers) throws IOException {
    AgentConfig config = AgentConfig.of(tmp.resolve(id + "/mnt"), tmp.resolve(id + "/store"),
            List.of(manifests.toUri().toString()), tmp.resolve(id + ".sock"))
        .withReadTimeout(Duration.ofSeconds(30))
        .withOriginAttempts(2)
        .withHttp(new HttpAddress("127.0.0.1", 0));
    SwarmSettings swarm = new SwarmSettings(InetSocketAddress.createUnresolved("127.0.0.1", 0), id, keyFile, Map.of(),
        peers.stream().map(a -> InetSocketAddress.createUnresolved("127.0.0.1", a.getPort())).toList());
    Agent a = Agent.start(config, swarm);
    open.add(a);
    return a;
  }

  @Test
  void uploadsToPeersAreCountedAndThePullSaysWhereItsBytesCameFrom() throws Exception {
    Agent a = agent("a", List.of());
    PullProgress fromOrigin = pull(tmp.resolve("a.sock"));
    assertEquals(SIZE, fromOrigin.getBytesOrigin(), fromOrigin.toString());
    assertEquals(0, fromOrigin.getBytesPeer());
    Files.delete(source.resolve("weights.bin")); // from now on only A has the bytes

    Agent b = agent("b", List.of(a.peerAddress()));
    for (int i = 0; i < 500 && !b.peers().contains("a"); i++) {
      Thread.sleep(20);
    }
    assertTrue(b.peers().contains("a"), "B connected to A");
    Thread.sleep(300); // A's bitfield follows the handshake

    JsonNode fromPeers = pullJson(tmp.resolve("b.sock"));
    assertEquals(String.valueOf(SIZE), fromPeers.get("bytesPeer").asText(), fromPeers.toString());
    assertEquals("0", fromPeers.get("bytesOrigin").asText());
    assertEquals("0", fromPeers.get("bytesLocal").asText());

    String metrics = get(a, "/metrics");
    assertEquals(SIZE, TrackerHttpIT.metric(metrics, "modelfs_uploaded_bytes_total"));
    assertEquals(CHUNKS, TrackerHttpIT.metric(metrics, "modelfs_uploaded_chunks_total"));
    assertEquals(1, TrackerHttpIT.metric(metrics, "modelfs_peers_connected"));
    assertEquals(SIZE, TrackerHttpIT.metric(get(b, "/metrics"), "modelfs_served_bytes_total{source=\"peer\"}"));
    JsonNode status = new ObjectMapper().readTree(get(a, "/api/status"));
    assertEquals(String.valueOf(SIZE), status.get("traffic").get("uploadedBytes").asText(), status.toString());
    assertEquals(String.valueOf(CHUNKS), status.get("traffic").get("uploadedChunks").asText());
    assertEquals("0", new ObjectMapper().readTree(get(b, "/api/status")).get("traffic").get("uploadedBytes").asText());

    JsonNode again = pullJson(tmp.resolve("b.sock"));
    assertEquals(String.valueOf(SIZE), again.get("bytesLocal").asText(), again.toString());
    assertEquals("0", again.get("bytesPeer").asText());
  }

  private PullProgress pull(Path socket) throws IOException {
    ControlResponse done = ControlClient.call(socket,
        ControlRequest.newBuilder().setPull(PullRequest.newBuilder().setRef(ref.toString())).build(), p -> {});
    assertTrue(done.hasDone(), done.toString());
    return done.getDone();
  }

  /** {@code modelfs pull --json} as the CLI runs it, its stdout parsed. */
  private JsonNode pullJson(Path socket) throws IOException {
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      code = new picocli.CommandLine(new io.modelfs.agent.cli.Main())
          .execute("pull", "--json", "--agent", socket.toString(), ref.toString());
    } finally {
      System.setOut(stdout);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, out);
    return new ObjectMapper().readTree(out);
  }

  private String get(Agent agent, String path) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + agent.httpAddress().getPort() + path)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return r.body();
  }
}
