package io.modelfs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.testing.TestPki;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReloadingTlsTest {
  @TempDir Path tmp;

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final Clock clock = new Clock() {
    @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(java.time.ZoneId zone) { return this; }
    @Override public Instant instant() { return Instant.ofEpochMilli(now.get()); }
  };

  private TlsFiles live;

  /** Copies {@code issued} over the live files (cert-manager renews in place). */
  private void install(TlsFiles issued) throws IOException {
    Files.copy(issued.certChain(), live.certChain(), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(issued.privateKey(), live.privateKey(), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(issued.trustedCa(), live.trustedCa(), StandardCopyOption.REPLACE_EXISTING);
  }

  private static BigInteger serial(TlsFiles f) throws Exception {
    try (var in = Files.newInputStream(f.certChain())) {
      return ((X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in))
          .getSerialNumber();
    }
  }

  @Test
  void followsRenewedFilesAndKeepsTheOldMaterialWhileTheNewIsIncomplete() throws Exception {
    TestPki pki = new TestPki("ca", tmp.resolve("pki"));
    TlsFiles v1 = pki.issue("node-a");
    TlsFiles v2 = pki.issue("node-a");
    TlsFiles v3 = pki.issue("node-a");
    Path dir = Files.createDirectories(tmp.resolve("live"));
    Files.writeString(dir.resolve("tls.crt"), "");
    Files.writeString(dir.resolve("tls.key"), "");
    Files.writeString(dir.resolve("ca.crt"), "");
    live = new TlsFiles(dir.resolve("tls.crt"), dir.resolve("tls.key"), dir.resolve("ca.crt"));
    install(v1);
    ReloadingTls tls = ReloadingTls.load(live, clock, 1_000);
    assertEquals(serial(v1), tls.certificate().getSerialNumber());
    String alias1 = tls.keyManager().chooseEngineServerAlias("EC", null, null);
    assertNotNull(alias1);

    install(v2);
    assertEquals(serial(v1), tls.certificate().getSerialNumber(), "not checked again before checkEvery");
    now.addAndGet(1_000);
    assertEquals(serial(v2), tls.certificate().getSerialNumber(), "renewed files are picked up");
    String alias2 = tls.keyManager().chooseEngineServerAlias("EC", null, null);
    assertEquals(serial(v2), tls.keyManager().getCertificateChain(alias2)[0].getSerialNumber());
    assertEquals(serial(v1), tls.keyManager().getCertificateChain(alias1)[0].getSerialNumber(),
        "a handshake that chose its alias before the reload still finds its chain and key");
    assertNotNull(tls.keyManager().getPrivateKey(alias1));

    // Half a rotation: v3's certificate with v2's key. Not used; v2 stays.
    Files.copy(v3.certChain(), live.certChain(), StandardCopyOption.REPLACE_EXISTING);
    now.addAndGet(1_000);
    assertEquals(serial(v2), tls.certificate().getSerialNumber(), "a key that does not match the certificate is not loaded");
    Files.copy(v3.privateKey(), live.privateKey(), StandardCopyOption.REPLACE_EXISTING);
    now.addAndGet(1_000);
    assertEquals(serial(v3), tls.certificate().getSerialNumber(), "the completed rotation is loaded");
  }

  @Test
  void trustFollowsTheCaBundle() throws Exception {
    TestPki oldCa = new TestPki("old-ca", tmp.resolve("old"));
    TestPki newCa = new TestPki("new-ca", tmp.resolve("new"));
    TlsFiles mine = oldCa.issue("me");
    Path dir = Files.createDirectories(tmp.resolve("live"));
    live = new TlsFiles(Files.copy(mine.certChain(), dir.resolve("tls.crt")), Files.copy(mine.privateKey(), dir.resolve("tls.key")),
        Files.copy(mine.trustedCa(), dir.resolve("ca.crt")));
    ReloadingTls tls = ReloadingTls.load(live, clock, 0);
    X509Certificate[] fromNew = chain(newCa.issue("peer"));
    assertThrows(CertificateException.class, () -> tls.trustManager().checkClientTrusted(fromNew, "ECDHE_ECDSA"));
    Files.copy(newCa.caFile(), live.trustedCa(), StandardCopyOption.REPLACE_EXISTING);
    now.addAndGet(1);
    tls.trustManager().checkClientTrusted(fromNew, "ECDHE_ECDSA"); // the new CA bundle is trusted now
  }

  @Test
  void unusableFilesAtStartAreAnErrorNamingThem() throws Exception {
    TestPki pki = new TestPki("ca", tmp.resolve("pki"));
    TlsFiles a = pki.issue("a");
    TlsFiles b = pki.issue("b");
    IOException e = assertThrows(IOException.class,
        () -> ReloadingTls.load(new TlsFiles(a.certChain(), b.privateKey(), a.trustedCa())));
    assertTrue(e.getMessage().contains(b.privateKey().toString()) && e.getMessage().contains("does not belong"), e.getMessage());
  }

  private static X509Certificate[] chain(TlsFiles f) throws Exception {
    try (var in = Files.newInputStream(f.certChain())) {
      return new X509Certificate[] {
          (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in)};
    }
  }
}
