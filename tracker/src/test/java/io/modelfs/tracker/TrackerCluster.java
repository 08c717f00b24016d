package io.modelfs.tracker;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * A tracker group of real Ratis replicas on loopback in this JVM, with short election timeouts,
 * for tests. Closes every replica it started.
 */
final class TrackerCluster implements AutoCloseable {
  final TrackerPeers peers;
  private final Path dir;
  private final UnaryOperator<TrackerConfig> tune;
  private final TrackerServer[] servers;

  TrackerCluster(Path dir, int size, UnaryOperator<TrackerConfig> tune) throws IOException {
    this.dir = dir;
    this.tune = tune;
    List<TrackerPeers.Peer> list = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      list.add(new TrackerPeers.Peer("t" + i, "127.0.0.1", freePort()));
    }
    this.peers = new TrackerPeers(list);
    this.servers = new TrackerServer[size];
  }

  TrackerConfig config(int i) {
    TrackerConfig c = TrackerConfig.of("t" + (i + 1), peers, dir.resolve("t" + (i + 1)))
        .withElectionTimeout(Duration.ofMillis(600));
    return tune.apply(c);
  }

  TrackerCluster start(int i) throws IOException {
    servers[i] = TrackerServer.start(config(i));
    return this;
  }

  TrackerCluster startAll() throws IOException {
    for (int i = 0; i < servers.length; i++) {
      start(i);
    }
    return this;
  }

  void stop(int i) {
    if (servers[i] != null) {
      servers[i].close();
      servers[i] = null;
    }
  }

  TrackerServer server(int i) {
    return servers[i];
  }

  Optional<Integer> leaderIndex() {
    for (int i = 0; i < servers.length; i++) {
      if (servers[i] != null && servers[i].isLeader()) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  int awaitLeader(Duration within) {
    waitUntil(within, () -> leaderIndex().isPresent(), "a tracker leader");
    return leaderIndex().orElseThrow();
  }

  TrackerClient client() {
    return TrackerClients.connect(peers, TrackerClientConfig.defaults().withCallTimeout(Duration.ofSeconds(15)));
  }

  static void waitUntil(Duration within, BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + within + " waiting for " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < servers.length; i++) {
      stop(i);
    }
  }
}
