package io.modelfs.core;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's TLS material ({@link TlsFiles}) that follows its files: cert-manager (and most
 * rotation tools) renew the certificate, key and CA bundle in place, so the key manager and the
 * trust manager this hands to Netty and Ratis check the files before each TLS handshake (at most
 * once per {@code checkEvery}) and load them again when one changed (its real path after
 * symlinks, size or modification time). Connections already open keep the session they
 * negotiated; new handshakes present the new certificate and trust the new CA bundle. No restart.
 *
 * <p>Error contract: {@link #load} throws an IOException naming the file when the material is
 * unusable at start. A later change that does not load — half-written files, a key that does not
 * match the certificate — is logged once (naming the files and why) and the material loaded
 * before stays in use until the files are complete; nothing escapes into a handshake.
 */
public final class ReloadingTls {
  private static final Logger log = LoggerFactory.getLogger(ReloadingTls.class);
  private static final char[] NO_PASSWORD = new char[0];

  private final TlsFiles files;
  private final Clock clock;
  private final long checkEveryMillis;
  private volatile Material current;
  private volatile Material previous;
  private volatile long nextCheckMillis;
  private volatile List<String> failedStamp;
  private final KeyManager keyManager = new KeyManager();
  private final TrustManager trustManager = new TrustManager();

  /** The certificate handshakes present now and its private key, from one reading of the files. */
  public record Identity(X509Certificate certificate, PrivateKey key) {}

  /** Key and trust managers built from one reading of the files; the alias names its generation. */
  private record Material(List<String> stamp, int generation, X509Certificate leaf, PrivateKey key,
      X509ExtendedKeyManager keys, X509ExtendedTrustManager trust) {
    String alias() {
      return "node-" + generation;
    }
  }

  private ReloadingTls(TlsFiles files, Clock clock, long checkEveryMillis, Material first) {
    this.files = files;
    this.clock = clock;
    this.checkEveryMillis = checkEveryMillis;
    this.current = first;
    this.nextCheckMillis = clock.millis() + checkEveryMillis;
  }

  /** Loads {@code files}, checking them again at most once a second. */
  public static ReloadingTls load(TlsFiles files) throws IOException {
    return load(files, Clock.systemUTC(), 1_000);
  }

  /** Loads {@code files}; throws an IOException naming them if they are not a usable key, certificate and CA bundle. */
  public static ReloadingTls load(TlsFiles files, Clock clock, long checkEveryMillis) throws IOException {
    Objects.requireNonNull(files, "files");
    return new ReloadingTls(files, clock, Math.max(0, checkEveryMillis), read(files, stamp(files), 1));
  }

  /** Presents the current certificate; consult it per handshake (Netty's and gRPC's SslContextBuilder.keyManager). */
  public X509ExtendedKeyManager keyManager() {
    return keyManager;
  }

  /** Trusts the current CA bundle (SslContextBuilder.trustManager). */
  public X509ExtendedTrustManager trustManager() {
    return trustManager;
  }

  /** The leaf certificate handshakes present now (after checking the files if a check is due). */
  public X509Certificate certificate() {
    return material().leaf();
  }

  /** The current certificate with its key (after checking the files if a check is due), for signing as this node. */
  public Identity identity() {
    Material m = material();
    return new Identity(m.leaf(), m.key());
  }

  /** The files this follows. */
  public TlsFiles files() {
    return files;
  }

  private Material material() {
    long now = clock.millis();
    if (now >= nextCheckMillis) {
      refresh(now);
    }
    return current;
  }

  private synchronized void refresh(long now) {
    if (now < nextCheckMillis) {
      return;
    }
    nextCheckMillis = now + checkEveryMillis;
    List<String> stamp;
    try {
      stamp = stamp(files);
    } catch (IOException e) {
      warnOnce(List.of("missing", e.getMessage()), e.getMessage());
      return;
    }
    Material old = current;
    if (stamp.equals(old.stamp()) || stamp.equals(failedStamp)) {
      return;
    }
    try {
      Material fresh = read(files, stamp, old.generation() + 1);
      previous = old;
      current = fresh;
      failedStamp = null;
      log.info("TLS material reloaded from {}: certificate serial {} (was {}), valid until {}; new connections present it",
          files.certChain(), fresh.leaf().getSerialNumber().toString(16), old.leaf().getSerialNumber().toString(16),
          fresh.leaf().getNotAfter().toInstant());
    } catch (IOException e) {
      warnOnce(stamp, e.getMessage());
    }
  }

  private void warnOnce(List<String> stamp, String why) {
    if (!stamp.equals(failedStamp)) {
      failedStamp = stamp;
      log.warn("TLS files changed but do not load ({}); still presenting certificate serial {} until they do",
          why, current.leaf().getSerialNumber().toString(16));
    }
  }

  /** The material whose alias is {@code alias} (current or the one before, for a handshake that straddled a reload). */
  private Material byAlias(String alias) {
    Material c = current;
    if (c.alias().equals(alias)) {
      return c;
    }
    Material p = previous;
    return p != null && p.alias().equals(alias) ? p : null;
  }

  private static List<String> stamp(TlsFiles f) throws IOException {
    List<String> s = new ArrayList<>();
    for (Path p : List.of(f.certChain(), f.privateKey(), f.trustedCa())) {
      try {
        s.add(p.toRealPath() + ":" + Files.size(p) + ":" + Files.getLastModifiedTime(p).toMillis());
      } catch (IOException e) {
        throw new IOException("cannot read " + p + ": " + e, e);
      }
    }
    return List.copyOf(s);
  }

  private static Material read(TlsFiles f, List<String> stamp, int generation) throws IOException {
    List<X509Certificate> chain = certificates(f.certChain());
    List<X509Certificate> cas = certificates(f.trustedCa());
    PrivateKey key = privateKey(f.privateKey());
    X509Certificate leaf = chain.get(0);
    if (!matches(key, leaf)) {
      throw new IOException("the private key " + f.privateKey() + " does not belong to the certificate " + f.certChain()
          + " (serial " + leaf.getSerialNumber().toString(16) + ")");
    }
    try {
      String alias = "node-" + generation;
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry(alias, key, NO_PASSWORD, chain.toArray(new X509Certificate[0]));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
      kmf.init(ks, NO_PASSWORD);
      KeyStore ts = KeyStore.getInstance("PKCS12");
      ts.load(null, null);
      for (int i = 0; i < cas.size(); i++) {
        ts.setCertificateEntry("ca-" + i, cas.get(i));
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ts);
      return new Material(stamp, generation, leaf, key, (X509ExtendedKeyManager) kmf.getKeyManagers()[0],
          (X509ExtendedTrustManager) tmf.getTrustManagers()[0]);
    } catch (GeneralSecurityException | IOException | ClassCastException e) {
      throw new IOException("cannot use the TLS key " + f.privateKey() + " with certificate " + f.certChain() + ": " + e, e);
    }
  }

  private static List<X509Certificate> certificates(Path file) throws IOException {
    try {
      List<X509Certificate> out = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file)))) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new IOException(file + " holds no PEM certificate");
      }
      return out;
    } catch (CertificateException e) {
      throw new IOException(file + " is not a PEM certificate (chain): " + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    String begin = "-----BEGIN PRIVATE KEY-----";
    String end = "-----END PRIVATE KEY-----";
    int b = text.indexOf(begin);
    int e = text.indexOf(end);
    if (b < 0 || e < b) {
      throw new IOException(file + " is not a PEM PKCS#8 private key (expected a '" + begin + "' block)");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
    } catch (IllegalArgumentException ex) {
      throw new IOException(file + ": the PEM private key is not base64", ex);
    }
    for (String algorithm : List.of("EC", "RSA", "Ed25519", "Ed448")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException ignored) {
        // try the next algorithm
      }
    }
    throw new IOException(file + " holds no EC, RSA or EdDSA PKCS#8 private key");
  }

  /** True if {@code key} signs what {@code cert}'s public key verifies. */
  private static boolean matches(PrivateKey key, X509Certificate cert) {
    String alg = switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default -> key.getAlgorithm();
    };
    try {
      byte[] probe = new byte[32];
      new SecureRandom().nextBytes(probe);
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(cert.getPublicKey());
      v.update(probe);
      return v.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** Chooses the current material's alias; answers chain and key lookups for the current and previous generation. */
  private final class KeyManager extends X509ExtendedKeyManager {
    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return material().keys().getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return material().keys().chooseClientAlias(keyType, issuers, socket);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return material().keys().chooseEngineClientAlias(keyType, issuers, engine);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return material().keys().getServerAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return material().keys().chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return material().keys().chooseEngineServerAlias(keyType, issuers, engine);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      Material m = byAlias(alias);
      return m == null ? null : m.keys().getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      Material m = byAlias(alias);
      return m == null ? null : m.keys().getPrivateKey(alias);
    }
  }

  /** Verifies against the current CA bundle. */
  private final class TrustManager extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      material().trust().checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      material().trust().checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      material().trust().checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      material().trust().checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      material().trust().checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      material().trust().checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return material().trust().getAcceptedIssuers();
    }
  }
}
