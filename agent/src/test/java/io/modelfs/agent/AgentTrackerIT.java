package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.Digest;
import io.modelfs.core.ManifestCodec;
import io.modelfs.core.ModelRef;
import io.modelfs.origin.Importer;
import io.modelfs.origin.ManifestStore;
import io.modelfs.origin.Origins;
import io.modelfs.tracker.TrackerClient;
import io.modelfs.tracker.TrackerClients;
import io.modelfs.tracker.TrackerConfig;
import io.modelfs.tracker.TrackerPeers;
import io.modelfs.tracker.TrackerServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent with no manifests location finds a model through a real (one-replica) Ratis tracker:
 * the manifest the tracker hands out is hashed and checked against the ref, then served through
 * the mount from the origin its sources name.
 */
class AgentTrackerIT {
  @TempDir Path tmp;
  private TrackerServer tracker;
  private Agent agent;

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.close();
    }
    if (tracker != null) {
      tracker.close();
    }
  }

  /** A loopback port free a moment ago (the tracker binds it next). */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A one-replica group "t1" on 127.0.0.1:{@code port}. */
  static TrackerPeers oneReplica(int port) {
    return new TrackerPeers(List.of(new TrackerPeers.Peer("t1", "127.0.0.1", port)));
  }

  /** Starts the one replica of {@code peers} in {@code dir} and waits (at most 60 s) until it leads. */
  static TrackerServer startLeader(TrackerPeers peers, Path dir) throws IOException, InterruptedException {
    TrackerServer t = TrackerServer.start(TrackerConfig.of("t1", peers, dir).withElectionTimeout(Duration.ofMillis(600)));
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!t.isLeader() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    if (!t.isLeader()) {
      t.close();
    }
    assertTrue(t.isLeader(), "the single tracker replica became leader");
    return t;
  }

  @Test
  void aModelPublishedToTheTrackerIsServedWithoutAManifestsLocation() throws Exception {
    Path source = tmp.resolve("origin");
    Files.createDirectories(source);
    byte[] weights = new byte[300_000];
    new Random(5).nextBytes(weights);
    Files.write(source.resolve("weights.bin"), weights);
    Importer.Result r = new Importer(new Importer.Config(64 << 10, 2))
        .run(Origins.open(source.toString()), "tracked", AgentIT.noProgress());

    int port = freePort();
    TrackerPeers peers = oneReplica(port);
    tracker = startLeader(peers, tmp.resolve("tracker"));
    try (TrackerClient client = TrackerClients.connect(peers)) {
      client.publish(r.ref(), r.manifestBytes(), ManifestCodec.encodeSources(r.sources()));
    }

    Path key = Files.writeString(tmp.resolve("swarm.key"), "test-swarm-secret-0123456789abcdef\n");
    AgentConfig config = AgentConfig.of(tmp.resolve("mnt"), tmp.resolve("store"), List.of(), tmp.resolve("agent.sock"))
        .withReadTimeout(Duration.ofSeconds(30));
    SwarmSettings swarm = new SwarmSettings(InetSocketAddress.createUnresolved("127.0.0.1", 0), "node-1", key,
        Map.of("t1", InetSocketAddress.createUnresolved("127.0.0.1", port)), List.of());
    agent = Agent.start(config, swarm);

    Path model = tmp.resolve("mnt").resolve(r.ref().toString());
    assertArrayEquals(weights, Files.readAllBytes(model.resolve("weights.bin")));
    ModelRef unknown = new ModelRef("tracked", Digest.sha256(new byte[] {9}));
    assertFalse(Files.exists(tmp.resolve("mnt").resolve(unknown.toString())), "a ref the tracker does not know is absent");
  }

  /**
   * A model an agent opens from its manifests location is published to the tracker, so that an
   * agent without that location (a peer) can resolve it through the tracker.
   */
  @Test
  void aModelOpenedFromAManifestsLocationIsPublishedToTheTracker() throws Exception {
    Path source = tmp.resolve("origin");
    Files.createDirectories(source);
    byte[] weights = new byte[200_000];
    new Random(6).nextBytes(weights);
    Files.write(source.resolve("weights.bin"), weights);
    Importer.Result r = new Importer(new Importer.Config(64 << 10, 2))
        .run(Origins.open(source.toString()), "located", AgentIT.noProgress());
    Path manifests = tmp.resolve("manifests");
    new ManifestStore(Origins.open(manifests.toString())).publish(r);

    int port = freePort();
    TrackerPeers peers = oneReplica(port);
    tracker = startLeader(peers, tmp.resolve("tracker"));

    Path key = Files.writeString(tmp.resolve("swarm.key"), "test-swarm-secret-0123456789abcdef\n");
    AgentConfig config = AgentConfig.of(tmp.resolve("mnt"), tmp.resolve("store"), List.of(manifests.toUri().toString()),
            tmp.resolve("agent.sock"))
        .withReadTimeout(Duration.ofSeconds(30));
    SwarmSettings swarm = new SwarmSettings(InetSocketAddress.createUnresolved("127.0.0.1", 0), "node-1", key,
        Map.of("t1", InetSocketAddress.createUnresolved("127.0.0.1", port)), List.of());
    agent = Agent.start(config, swarm);
    try (TrackerClient client = TrackerClients.connect(peers)) {
      assertTrue(client.manifest(r.ref().digest()).isEmpty(), "nothing published before the agent opened the model");
      assertArrayEquals(weights, Files.readAllBytes(tmp.resolve("mnt").resolve(r.ref().toString()).resolve("weights.bin")));
      java.util.Optional<TrackerClient.Published> found = java.util.Optional.empty();
      long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (found.isEmpty() && System.nanoTime() < until) {
        found = client.manifest(r.ref().digest());
        if (found.isEmpty()) {
          Thread.sleep(100);
        }
      }
      assertTrue(found.isPresent(), "the agent published " + r.ref() + " to the tracker within 30 s");
      assertArrayEquals(r.manifestBytes(), found.get().manifest(), "the published manifest is the imported one");
      assertArrayEquals(ManifestCodec.encodeSources(r.sources()), found.get().sources());
    }
  }

  @Test
  void anAgentWithNeitherManifestsNorTrackerIsRefusedWithAClearMessage() {
    AgentConfig config = AgentConfig.of(tmp.resolve("mnt"), tmp.resolve("store"), List.of(), tmp.resolve("agent.sock"));
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Agent.start(config));
    assertTrue(e.getMessage().contains("--manifests") && e.getMessage().contains("--tracker"), e.getMessage());
  }

}
