package io.modelfs.core.testing;

import io.modelfs.core.TlsFiles;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made in the test (EC P-256, valid for a day) that issues node
 * certificates with the node id as CN and DNS SAN, written as PEM files. No key is committed.
 * Shared by the tests of p2p-protocol, tracker and agent through core's test jar.
 */
public final class TestPki {
  private final String name;
  private final KeyPair caKeys;
  private final X509Certificate ca;
  private final Path dir;
  private long serial = 2;

  public TestPki(String name, Path dir) throws Exception {
    this.name = name;
    this.dir = Files.createDirectories(dir);
    this.caKeys = keys();
    X500Name subject = new X500Name("CN=" + name);
    var b = new JcaX509v3CertificateBuilder(subject, BigInteger.ONE, from(), until(), subject, caKeys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    this.ca = sign(b, caKeys);
    pem(dir.resolve("ca.pem"), "CERTIFICATE", ca.getEncoded());
  }

  public Path caFile() {
    return dir.resolve("ca.pem");
  }

  /** A certificate for {@code cn} with DNS SANs {@code cn}, localhost and IP 127.0.0.1, trusting this CA. */
  public TlsFiles issue(String cn) throws Exception {
    return issue(cn, cn);
  }

  /** As {@link #issue(String)} with another DNS SAN than the CN (or none when {@code san} is null). */
  public TlsFiles issue(String cn, String san) throws Exception {
    KeyPair k = keys();
    var b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + name), BigInteger.valueOf(serial++), from(), until(),
        new X500Name("CN=" + cn), k.getPublic());
    GeneralName[] names = san == null
        ? new GeneralName[] {new GeneralName(GeneralName.iPAddress, "127.0.0.1")}
        : new GeneralName[] {new GeneralName(GeneralName.dNSName, san), new GeneralName(GeneralName.dNSName, "localhost"),
            new GeneralName(GeneralName.iPAddress, "127.0.0.1")};
    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    X509Certificate cert = sign(b, caKeys);
    Path certFile = dir.resolve(cn + "-" + serial + ".pem");
    Path keyFile = dir.resolve(cn + "-" + serial + ".key");
    pem(certFile, "CERTIFICATE", cert.getEncoded());
    pem(keyFile, "PRIVATE KEY", k.getPrivate().getEncoded());
    return new TlsFiles(certFile, keyFile, caFile());
  }

  private static KeyPair keys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair issuer) throws Exception {
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
  }

  private static Date from() {
    return Date.from(Instant.now().minus(1, ChronoUnit.HOURS));
  }

  private static Date until() {
    return Date.from(Instant.now().plus(1, ChronoUnit.DAYS));
  }

  private static void pem(Path file, String type, byte[] der) throws IOException {
    Files.writeString(file, "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n");
  }
}
