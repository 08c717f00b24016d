package io.modelfs.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.ReloadingTls;
import io.modelfs.core.TlsFiles;
import io.modelfs.core.testing.TestPki;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates renewed in place (as cert-manager does) on a TLS tracker: the replica presents
 * the new certificate on new connections and a client presents its new one when it reconnects,
 * both without a restart, while channels opened before keep working.
 */
@Timeout(120)
class TrackerCertReloadIT {
  @TempDir Path dir;

  @Test
  void aReplicaPresentsItsRenewedCertificateOnNewConnectionsAndOpenClientsKeepWorking() throws Exception {
    TestPki pki = new TestPki("tracker-ca", dir.resolve("pki"));
    TlsFiles v1 = pki.issue("t1");
    TlsFiles v2 = pki.issue("t1");
    TlsFiles replica = live(v1, "t1");
    try (TrackerCluster cluster = new TrackerCluster(dir.resolve("data"), 1, c -> c.withTls(replica)).startAll()) {
      cluster.awaitLeader(Duration.ofSeconds(60));
      SSLContext probe = context(pki.issue("probe"));
      int port = cluster.peers.peers().get(0).port();
      assertEquals(serial(v1), presented(probe, port));
      Fixtures.Model m = Fixtures.model("renewed", 4);
      try (TrackerClient c = TrackerClients.connect(cluster.peers, TrackerClientConfig.defaults()
          .withCallTimeout(Duration.ofSeconds(20)).withTls(live(pki.issue("node-a"), "node-a")))) {
        c.publish(m.ref(), m.manifest(), m.sources());
        c.register("node-a", "127.0.0.1:7001", "z", 1 << 30);

        install(v2, replica);
        BigInteger seen = null;
        for (int i = 0; i < 50 && !serial(v2).equals(seen); i++) { // checked at most once a second: ≤ 5 s
          Thread.sleep(100);
          seen = presented(probe, port);
        }
        assertEquals(serial(v2), seen, "a new connection to the replica gets its renewed certificate");
        c.tag("renewed", "latest", m.ref());
        assertEquals(Optional.of(m.ref()), c.resolve("renewed", "latest"), "the client's open channel keeps working");
        assertTrue(c.ping("node-a") > 0);
      }
      try (TrackerClient fresh = TrackerClients.connect(cluster.peers, TrackerClientConfig.defaults()
          .withCallTimeout(Duration.ofSeconds(20)).withTls(pki.issue("node-b")))) {
        assertEquals(Optional.of(m.ref()), fresh.resolve("renewed", "latest"), "a new client handshakes with the renewed replica");
      }
    }
  }

  @Test
  void aClientPresentsItsRenewedCertificateWhenItReconnects() throws Exception {
    TestPki pki = new TestPki("tracker-ca", dir.resolve("pki"));
    TlsFiles v1 = pki.issue("node-a");
    TlsFiles v2 = pki.issue("node-a");
    TlsFiles files = live(v1, "node-a");
    List<BigInteger> presented = new CopyOnWriteArrayList<>();
    // A TLS server standing in for a replica: records the client's certificate, then hangs up.
    SSLServerSocket server = (SSLServerSocket) context(pki.issue("t1")).getServerSocketFactory()
        .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    SSLParameters params = server.getSSLParameters();
    params.setNeedClientAuth(true);
    params.setApplicationProtocols(new String[] {"h2"});
    server.setSSLParameters(params);
    Thread acceptor = new Thread(() -> {
      while (!server.isClosed()) {
        try (SSLSocket s = (SSLSocket) server.accept()) {
          s.setSoTimeout(5_000);
          s.startHandshake();
          presented.add(((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber());
        } catch (Exception e) {
          // a failed handshake or the server closing: next
        }
      }
    }, "fake-replica");
    acceptor.setDaemon(true);
    acceptor.start();
    TrackerPeers fake = new TrackerPeers(List.of(new TrackerPeers.Peer("t1", "127.0.0.1", server.getLocalPort())));
    try (server; TrackerClient c = TrackerClients.connect(fake, TrackerClientConfig.defaults()
        .withCallTimeout(Duration.ofSeconds(2)).withTls(files))) {
      awaitPresented(c, presented, serial(v1));
      install(v2, files);
      Thread.sleep(1_100); // the files are checked at most once a second
      awaitPresented(c, presented, serial(v2));
    } finally {
      acceptor.join(10_000);
    }
  }

  /** Asks the fake replica (which fails every call) until it has seen {@code serial}; bounded by 30 s. */
  private static void awaitPresented(TrackerClient c, List<BigInteger> presented, BigInteger serial) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!presented.contains(serial) && System.nanoTime() < deadline) {
      try {
        c.resolve("any", "latest");
      } catch (TrackerException expected) {
        // the stand-in answers nothing
      }
    }
    assertTrue(presented.contains(serial), "the client presented serial " + serial.toString(16) + "; saw " + presented);
  }

  /** Copies {@code issued} to fixed paths under {@code name}/ (the files a rotation rewrites). */
  private TlsFiles live(TlsFiles issued, String name) throws Exception {
    Path d = Files.createDirectories(dir.resolve("live-" + name));
    return new TlsFiles(Files.copy(issued.certChain(), d.resolve("tls.crt")), Files.copy(issued.privateKey(), d.resolve("tls.key")),
        Files.copy(issued.trustedCa(), d.resolve("ca.crt")));
  }

  private static void install(TlsFiles issued, TlsFiles live) throws Exception {
    Files.copy(issued.certChain(), live.certChain(), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(issued.privateKey(), live.privateKey(), StandardCopyOption.REPLACE_EXISTING);
  }

  private static SSLContext context(TlsFiles files) throws Exception {
    ReloadingTls t = ReloadingTls.load(files);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(new KeyManager[] {t.keyManager()}, new TrustManager[] {t.trustManager()}, null);
    return ctx;
  }

  private static BigInteger presented(SSLContext ctx, int port) throws Exception {
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(5_000);
      SSLParameters p = s.getSSLParameters();
      p.setApplicationProtocols(new String[] {"h2"});
      s.setSSLParameters(p);
      s.startHandshake();
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  private static BigInteger serial(TlsFiles f) throws Exception {
    try (var in = Files.newInputStream(f.certChain())) {
      return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in)).getSerialNumber();
    }
  }
}
