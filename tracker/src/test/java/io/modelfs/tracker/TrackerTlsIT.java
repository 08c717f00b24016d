package io.modelfs.tracker;

import io.modelfs.core.testing.TestPki;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.TlsFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A three-replica tracker group with mutual TLS on loopback, certificates made by the test. */
@Timeout(120)
class TrackerTlsIT {
  @TempDir static Path dir;
  private static TestPki pki;
  private static TrackerCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    pki = new TestPki("tracker-ca", dir.resolve("pki"));
    cluster = new TrackerCluster(dir.resolve("data"), 3, c -> c.withTls(issue(c.id()))).startAll();
    cluster.awaitLeader(Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static TlsFiles issue(String cn) {
    try {
      return pki.issue(cn);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static TrackerClient client(TlsFiles tls) {
    return TrackerClients.connect(cluster.peers, TrackerClientConfig.defaults()
        .withCallTimeout(Duration.ofSeconds(tls == null || !tls.certChain().startsWith(dir.resolve("pki")) ? 3 : 20)).withTls(tls));
  }

  @Test
  void aClientWithACertificateFromTheCaPublishesAndResolvesThroughTheReplicas() throws Exception {
    Fixtures.Model m = Fixtures.model("secure", 8);
    try (TrackerClient c = client(issue("importer"))) {
      c.publish(m.ref(), m.manifest(), m.sources());
      c.tag("secure", "latest", m.ref());
      assertEquals(Optional.of(m.ref()), c.resolve("secure", "latest"));
    }
  }

  @Test
  void aClientWithoutACertificateIsUnavailable() {
    try (TrackerClient c = client(null)) {
      TrackerException e = assertThrows(TrackerException.class, () -> c.resolve("secure", "latest"));
      assertEquals(TrackerException.Code.UNAVAILABLE, e.code(), e.getMessage());
    }
  }

  @Test
  void aClientWithACertificateFromAnotherCaIsUnavailable() throws Exception {
    TlsFiles foreign = new TestPki("other-ca", dir.resolve("other")).issue("node-x");
    // It trusts the tracker's CA, so only the replicas' check of its certificate can refuse it.
    try (TrackerClient c = client(new TlsFiles(foreign.certChain(), foreign.privateKey(), pki.caFile()))) {
      TrackerException e = assertThrows(TrackerException.class, () -> c.resolve("secure", "latest"));
      assertEquals(TrackerException.Code.UNAVAILABLE, e.code(), e.getMessage());
    }
  }

  @Test
  void aNodeMaySpeakOnlyForItselfAndOnlyOnceRegistered() throws Exception {
    Fixtures.Model m = Fixtures.model("held", 16);
    try (TrackerClient importer = client(issue("importer"))) {
      importer.publish(m.ref(), m.manifest(), m.sources());
    }
    java.util.BitSet held = new java.util.BitSet();
    held.set(0, 16);
    try (TrackerClient a = client(issue("node-a"))) {
      a.register("node-a", "127.0.0.1:7001", "z", 1 << 30);
      a.announceAll("node-a", m.digest(), held, 16);
      a.heartbeat("node-a", java.util.List.of(m.digest()));

      TrackerException asB = assertThrows(TrackerException.class, () -> a.register("node-b", "127.0.0.1:7002", "z", 1));
      assertEquals(TrackerException.Code.FORBIDDEN, asB.code(), asB.getMessage());
      assertTrue(asB.getMessage().contains("node-b") && asB.getMessage().contains("node-a"), asB.getMessage());
      TrackerException announceAsB = assertThrows(TrackerException.class,
          () -> a.announceAll("node-b", m.digest(), held, 16));
      assertEquals(TrackerException.Code.FORBIDDEN, announceAsB.code(), announceAsB.getMessage());
      TrackerException leaseAsB = assertThrows(TrackerException.class,
          () -> a.lease("node-b", m.digest(), java.util.List.of(1), java.util.List.of()));
      assertEquals(TrackerException.Code.FORBIDDEN, leaseAsB.code(), leaseAsB.getMessage());
    }
    try (TrackerClient c = client(issue("node-c"))) {
      TrackerException unknown = assertThrows(TrackerException.class,
          () -> c.announceDelta("node-c", m.digest(), java.util.List.of(1), java.util.List.of()));
      assertEquals(TrackerException.Code.UNKNOWN_NODE, unknown.code(), unknown.getMessage());
    }
    try (TrackerClient second = TrackerClients.connect(cluster.peers, TrackerClientConfig.defaults()
        .withCallTimeout(Duration.ofSeconds(20)).withTls(issue("node-a")))) {
      // the same node, signing correctly, is still accepted from a second client
      assertTrue(second.ping("node-a") > 0);
    }
  }
}
