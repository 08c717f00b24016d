package io.modelfs.p2p;

import io.modelfs.core.testing.TestPki;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.TlsFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Mutual TLS between real endpoints on loopback, with certificates made by the test. */
@ExtendWith(LeakCheck.class)
@Timeout(60)
class SwarmTlsTest {
  @TempDir Path tmp;
  private final List<AutoCloseable> open = new ArrayList<>();
  private TestPki pki;
  private LogCapture logs;

  @BeforeEach
  void pki() throws Exception {
    pki = new TestPki("swarm-ca", tmp.resolve("pki"));
    logs = new LogCapture();
    open.add(logs);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private TestNode node(String id, UnaryOperator<PeerConfig> tweak) throws Exception {
    TestNode n = new TestNode(id, tmp.resolve(id), tweak);
    open.add(n);
    return n;
  }

  private TestNode tlsNode(String id, TlsFiles files) throws Exception {
    return node(id, c -> c.withTls(files));
  }

  @Test
  void nodesWithCertificatesFromTheSwarmCaExchangeChunksOverTls() throws Exception {
    TestNode a = tlsNode("a", pki.issue("a"));
    TestNode b = tlsNode("b", pki.issue("b"));
    List<byte[]> chunks = TestNode.randomChunks(2, 700_000, 7);
    a.hold(chunks);
    assertEquals("a", b.connect(a));
    for (byte[] c : chunks) {
      ByteSink sink = new ByteSink(0);
      ChunkRef ref = TestNode.ref(c);
      b.swarm.fetch("a", ref, 0, ref.size(), sink);
      assertArrayEquals(c, sink.bytes());
    }
    ByteSink range = new ByteSink(0);
    b.swarm.fetch("a", TestNode.ref(chunks.get(1)), 123_456, 70_000, range);
    assertArrayEquals(java.util.Arrays.copyOfRange(chunks.get(1), 123_456, 193_456), range.bytes());
  }

  @Test
  void aCertificateRenewedInPlaceIsPresentedOnNewConnectionsWhileOpenOnesKeepWorking() throws Exception {
    TlsFiles v1 = pki.issue("a");
    TlsFiles v2 = pki.issue("a");
    Path live = java.nio.file.Files.createDirectories(tmp.resolve("live"));
    TlsFiles files = new TlsFiles(java.nio.file.Files.copy(v1.certChain(), live.resolve("tls.crt")),
        java.nio.file.Files.copy(v1.privateKey(), live.resolve("tls.key")), java.nio.file.Files.copy(v1.trustedCa(), live.resolve("ca.crt")));
    TestNode a = tlsNode("a", files);
    TestNode b = tlsNode("b", pki.issue("b"));
    List<byte[]> chunks = TestNode.randomChunks(2, 300_000, 11);
    a.hold(chunks);
    assertEquals("a", b.connect(a));
    javax.net.ssl.SSLContext probe = probeContext(pki.issue("probe"));
    assertEquals(serial(v1), presented(probe, a), "a presents its first certificate");

    java.nio.file.Files.copy(v2.certChain(), files.certChain(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    java.nio.file.Files.copy(v2.privateKey(), files.privateKey(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    java.math.BigInteger seen = null;
    for (int i = 0; i < 50 && !serial(v2).equals(seen); i++) { // reload check at most once a second: ≤ 5 s
      Thread.sleep(100);
      seen = presented(probe, a);
    }
    assertEquals(serial(v2), seen, "a new connection gets the renewed certificate without a restart");

    ByteSink sink = new ByteSink(0);
    ChunkRef ref = TestNode.ref(chunks.get(1));
    b.swarm.fetch("a", ref, 0, ref.size(), sink); // over the connection opened before the renewal
    assertArrayEquals(chunks.get(1), sink.bytes());
    assertEquals(List.of("a"), b.swarm.connected(), "the open connection was kept");
    TestNode c = tlsNode("c", pki.issue("c"));
    assertEquals("a", c.connect(a), "a full peer handshake with the renewed certificate");
  }

  private static javax.net.ssl.SSLContext probeContext(TlsFiles files) throws Exception {
    io.modelfs.core.ReloadingTls t = io.modelfs.core.ReloadingTls.load(files);
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(new javax.net.ssl.KeyManager[] {t.keyManager()}, new javax.net.ssl.TrustManager[] {t.trustManager()}, null);
    return ctx;
  }

  /** The serial of the certificate {@code node} presents to a new TLS connection. */
  private static java.math.BigInteger presented(javax.net.ssl.SSLContext ctx, TestNode node) throws Exception {
    try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket(
        node.swarm.address().getAddress(), node.swarm.address().getPort())) {
      s.setSoTimeout(5_000);
      s.startHandshake();
      return ((java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  private static java.math.BigInteger serial(TlsFiles f) throws Exception {
    try (var in = java.nio.file.Files.newInputStream(f.certChain())) {
      return ((java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificate(in)).getSerialNumber();
    }
  }

  @Test
  void refusesANodeThatPresentsNoCertificateAndLogsItsAddress() throws Exception {
    TestNode a = tlsNode("a", pki.issue("a"));
    TestNode plain = node("plain", c -> c);
    assertThrows(ExecutionException.class, () -> plain.connect(a));
    assertNotNull(logs.await("TLS handshake failed", "127.0.0.1"), "no log line naming the refused peer: " + logs.lines());
    assertEquals(List.of(), a.swarm.connected());
  }

  @Test
  void refusesANodeWithACertificateFromAnotherCa() throws Exception {
    TestNode a = tlsNode("a", pki.issue("a"));
    TlsFiles foreign = new TestPki("other-ca", tmp.resolve("other")).issue("b");
    // b trusts the swarm's CA, so only a's check of b's certificate can refuse the connection
    TestNode b = tlsNode("b", new TlsFiles(foreign.certChain(), foreign.privateKey(), pki.caFile()));
    assertThrows(ExecutionException.class, () -> b.connect(a));
    String line = logs.await("TLS handshake failed", "127.0.0.1");
    assertNotNull(line, "no log line naming the refused peer: " + logs.lines());
    assertEquals(List.of(), a.swarm.connected());
  }

  @Test
  void refusesANodeWhoseCertificateNamesAnotherNode() throws Exception {
    TestNode a = tlsNode("a", pki.issue("a"));
    TestNode impostor = tlsNode("b", pki.issue("mallory"));
    assertThrows(ExecutionException.class, () -> impostor.connect(a));
    assertNotNull(logs.await("handshake failed", "announced node id 'b'", "[mallory, mallory, localhost]"),
        "no log line naming the mismatch: " + logs.lines());
    assertEquals(List.of(), a.swarm.connected());
  }

  @Test
  void acceptsAnIdInTheSubjectAlternativeNamesAndStillChecksTheSwarmKey() throws Exception {
    TestNode a = tlsNode("a", pki.issue("a"));
    TestNode b = tlsNode("b", pki.issue("node-b.example", "b"));
    assertEquals("a", b.connect(a));
    TlsFiles cFiles = pki.issue("c");
    TestNode c = node("c", cfg -> new PeerConfig(cfg.nodeId(), cfg.listen(),
        SwarmKey.of("another-key-another-key-another".getBytes()), cfg.version(), cfg.maxControlFrame(), cfg.maxChunk(),
        cfg.uploadSlots(), cfg.uploadSlotsPerPeer(), cfg.maxQueuedPerPeer(), cfg.maxConnections(), cfg.receiveBuffer(),
        cfg.requestTimeout(), cfg.idleTimeout(), cfg.handshakeTimeout(), cfg.announceInterval(), cfg.banDuration(),
        cFiles, 0));
    assertThrows(ExecutionException.class, () -> c.connect(a));
    assertNotNull(logs.await("'c' failed the swarm key proof"), "no log line for the wrong key: " + logs.lines());
    assertEquals(List.of("b"), a.swarm.connected());
  }
}
