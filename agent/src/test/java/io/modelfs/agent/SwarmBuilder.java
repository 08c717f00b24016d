package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.agent.control.ControlClient;
import io.modelfs.core.Digest;
import io.modelfs.core.FileEntry;
import io.modelfs.core.ManifestCodec;
import io.modelfs.core.ModelRef;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.core.proto.PullRequest;
import io.modelfs.origin.Importer;
import io.modelfs.origin.Origins;
import io.modelfs.tracker.TrackerClient;
import io.modelfs.tracker.TrackerClientConfig;
import io.modelfs.tracker.TrackerClients;
import io.modelfs.tracker.TrackerConfig;
import io.modelfs.tracker.TrackerPeers;
import io.modelfs.tracker.TrackerServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * A reusable in-process swarm for tests: N agents in this JVM with real sockets, FUSE mounts and
 * chunk stores (one directory each), a real Ratis tracker group (1 or 3 replicas, or none), and
 * one model served over HTTP behind a {@link CountingProxy}, so origin bytes are counted at the
 * server's socket. The model is published to the tracker as {@code NAME:latest}; agents find it
 * through the tracker only (no manifests location). Everything started is closed by
 * {@link LocalSwarm#close}, also when a test fails half-way.
 *
 * <pre>
 * try (LocalSwarm s = SwarmBuilder.in(tmp).agents(10).trackers(1).model(24 << 20, 256 << 10).build()) { ... }
 * </pre>
 */
final class SwarmBuilder {
  static final String MODEL = "swarm-model";

  private final Path dir;
  private int agents = 3;
  private int trackers = 1;
  private int modelBytes = 4 << 20;
  private int chunkSize = 256 << 10;
  private UnaryOperator<AgentConfig> tune = c -> c;

  private SwarmBuilder(Path dir) {
    this.dir = dir;
  }

  static SwarmBuilder in(Path dir) {
    return new SwarmBuilder(dir);
  }

  SwarmBuilder agents(int n) {
    this.agents = n;
    return this;
  }

  /** Tracker replicas: 0 (a static swarm of agents that know nobody), 1 or 3. */
  SwarmBuilder trackers(int replicas) {
    this.trackers = replicas;
    return this;
  }

  SwarmBuilder model(int bytes, int chunkSize) {
    this.modelBytes = bytes;
    this.chunkSize = chunkSize;
    return this;
  }

  SwarmBuilder tune(UnaryOperator<AgentConfig> tune) {
    this.tune = tune;
    return this;
  }

  LocalSwarm build() throws Exception {
    LocalSwarm s = new LocalSwarm(dir);
    try {
      s.start(agents, trackers, modelBytes, chunkSize, tune);
      return s;
    } catch (Exception | Error e) {
      s.close();
      throw e;
    }
  }

  /** The running swarm. */
  static final class LocalSwarm implements AutoCloseable {
    private final Path dir;
    final List<Agent> agents = new ArrayList<>();
    private final List<Boolean> alive = new ArrayList<>();
    private TrackerServer[] trackers = new TrackerServer[0];
    private TrackerPeers trackerPeers;
    private SlowHttpOrigin http;
    CountingProxy origin;
    byte[] data;
    ModelRef ref;
    io.modelfs.core.Manifest manifest;
    int chunkSize;

    private LocalSwarm(Path dir) {
      this.dir = dir;
    }

    private void start(int n, int replicas, int modelBytes, int chunkSize, UnaryOperator<AgentConfig> tune)
        throws Exception {
      this.chunkSize = chunkSize;
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      data = new byte[modelBytes];
      new Random(42).nextBytes(data);
      http = new SlowHttpOrigin("weights.bin", data);
      origin = new CountingProxy(new InetSocketAddress("127.0.0.1", Integer.parseInt(http.url("x").replaceAll(".*:(\\d+)/.*", "$1"))));
      String url = "http://127.0.0.1:" + origin.port() + "/weights.bin";
      Importer.Result r = new Importer(new Importer.Config(chunkSize, 2)).run(Origins.open(url), MODEL, AgentIT.noProgress());
      ref = r.ref();
      manifest = r.manifest();
      Map<String, InetSocketAddress> trackerMap = new LinkedHashMap<>();
      if (replicas > 0) {
        startTrackers(replicas);
        trackerPeers.peers().forEach(p -> trackerMap.put(p.id(), InetSocketAddress.createUnresolved(p.host(), p.port())));
        try (TrackerClient c = client()) {
          c.publish(r.ref(), r.manifestBytes(), ManifestCodec.encodeSources(r.sources()));
          c.tag(MODEL, "latest", r.ref());
        }
      }
      origin.reset();
      Path key = Files.writeString(dir.resolve("swarm.key"), "test-swarm-secret-0123456789abcdef\n");
      Path manifests = dir.resolve("manifests");
      if (replicas == 0) {
        new io.modelfs.origin.ManifestStore(Origins.open(manifests.toString())).publish(r);
      }
      for (int i = 0; i < n; i++) {
        String id = "n" + i;
        AgentConfig config = tune.apply(AgentConfig.of(dir.resolve(id + "/mnt"), dir.resolve(id + "/store"),
                replicas == 0 ? List.of(manifests.toUri().toString()) : List.of(), dir.resolve(id + ".sock"))
            .withReadTimeout(Duration.ofSeconds(60)));
        SwarmSettings settings = new SwarmSettings(InetSocketAddress.createUnresolved("127.0.0.1", 0), id, key,
            trackerMap, List.of());
        agents.add(Agent.start(config, settings));
        alive.add(true);
      }
    }

    private void startTrackers(int replicas) throws Exception {
      List<TrackerPeers.Peer> list = new ArrayList<>();
      for (int i = 1; i <= replicas; i++) {
        list.add(new TrackerPeers.Peer("t" + i, "127.0.0.1", freePort()));
      }
      trackerPeers = new TrackerPeers(list);
      trackers = new TrackerServer[replicas];
      for (int i = 0; i < replicas; i++) {
        trackers[i] = TrackerServer.start(TrackerConfig.of("t" + (i + 1), trackerPeers, dir.resolve("t" + (i + 1)))
            .withElectionTimeout(Duration.ofMillis(600)));
      }
      awaitLeader(Duration.ofSeconds(60));
    }

    TrackerClient client() {
      return TrackerClients.connect(trackerPeers, TrackerClientConfig.defaults().withCallTimeout(Duration.ofSeconds(15)));
    }

    /** The index of the tracker replica that leads now, waiting for one up to {@code within}. */
    int awaitLeader(Duration within) throws InterruptedException {
      waitUntil(within, () -> leader() >= 0, "a tracker leader");
      return leader();
    }

    private int leader() {
      for (int i = 0; i < trackers.length; i++) {
        if (trackers[i] != null && trackers[i].isLeader()) {
          return i;
        }
      }
      return -1;
    }

    /** Makes the origin wait {@code delayMillis} before each response (0: no delay), so pulls take a known minimum time. */
    void throttleOrigin(long delayMillis) {
      http.throttle(delayMillis);
    }

    /** Stops tracker replica {@code i} (its data stays). */
    void stopTracker(int i) {
      if (trackers[i] != null) {
        trackers[i].close();
        trackers[i] = null;
      }
    }

    void stopAllTrackers() {
      for (int i = 0; i < trackers.length; i++) {
        stopTracker(i);
      }
    }

    /** Closes agent {@code i} at once, mid-transfer or not: its peers see the connections drop. */
    void kill(int i) {
      if (alive.get(i)) {
        alive.set(i, false);
        agents.get(i).close();
      }
    }

    boolean alive(int i) {
      return alive.get(i);
    }

    /** {@code modelfs pull REF_OR_NAME} through agent {@code i}'s control socket; returns the final answer. */
    ControlResponse pull(int i, String refOrName) throws IOException {
      return ControlClient.call(agents.get(i).config().control(),
          ControlRequest.newBuilder().setPull(PullRequest.newBuilder().setRef(refOrName)).build(), r -> {});
    }

    /**
     * Checks agent {@code i}'s store holds the whole model, byte for byte: the chunk files in
     * manifest order hash to the SHA-256 of the original file.
     */
    void assertHoldsModel(int i) throws IOException {
      Path chunks = agents.get(i).config().store().resolve("chunks");
      for (FileEntry f : manifest.files()) {
        MessageDigest sha = Digest.newSha256();
        for (Digest d : f.chunks()) {
          Path p = chunks.resolve(d.hex().substring(0, 2)).resolve(d.hex());
          assertTrue(Files.exists(p), "agent n" + i + " lacks chunk " + d.shortHex() + " of " + f.path());
          sha.update(Files.readAllBytes(p));
        }
        assertEquals(Digest.sha256(data).hex(), Digest.finish(sha).hex(), "agent n" + i + ": bytes of " + f.path());
      }
    }

    static void waitUntil(Duration within, BooleanSupplier condition, String what) throws InterruptedException {
      long deadline = System.nanoTime() + within.toNanos();
      while (!condition.getAsBoolean()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("timed out after " + within + " waiting for " + what);
        }
        Thread.sleep(50);
      }
    }

    private static int freePort() throws IOException {
      try (ServerSocket s = new ServerSocket(0)) {
        return s.getLocalPort();
      }
    }

    @Override
    public void close() {
      for (int i = agents.size() - 1; i >= 0; i--) {
        try {
          kill(i);
        } catch (RuntimeException e) {
          // keep closing the rest
        }
      }
      stopAllTrackers();
      try {
        if (origin != null) {
          origin.close();
        }
      } catch (IOException ignored) {
        // closing
      }
      if (http != null) {
        http.close();
      }
    }
  }
}
