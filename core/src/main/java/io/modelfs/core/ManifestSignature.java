package io.modelfs.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Ed25519 signatures of manifests: {@code <hex>.sig} beside {@code <hex>.manifest}, outside the
 * ref (signing a model does not change its identity; a model can be signed after import).
 *
 * <p>What is signed: the ASCII label {@code modelfs-manifest-v1} followed by the 32 bytes of the
 * ref's digest (the SHA-256 of the manifest bytes, which the reader checks first), so a
 * signature vouches for exactly one manifest. The {@code .sig} file holds the 64-byte signature
 * in base64 on one line. Keys are PEM: the private key PKCS#8 ({@code BEGIN PRIVATE KEY}), the
 * public key X.509 SubjectPublicKeyInfo ({@code BEGIN PUBLIC KEY}) — the formats of
 * {@code openssl genpkey -algorithm ed25519} and {@code openssl pkey -pubout}.
 *
 * <p>Errors: key files that are missing or hold no Ed25519 key throw an IOException naming the
 * file; {@link #verify} throws {@link ManifestTrustException} saying which ref and why.
 */
public final class ManifestSignature {
  public static final String SUFFIX = ".sig";
  public static final String PRIVATE_KEY_FILE = "manifest-signing.key";
  public static final String PUBLIC_KEY_FILE = "manifest-signing.pub";
  private static final byte[] LABEL = "modelfs-manifest-v1".getBytes(StandardCharsets.US_ASCII);
  private static final int SIGNATURE_BYTES = 64;

  private ManifestSignature() {}

  /** The {@code .sig} file's bytes for the manifest {@code digest}. */
  public static byte[] sign(PrivateKey key, Digest digest) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(key);
      s.update(LABEL);
      s.update(digest.toBytes());
      return (Base64.getEncoder().encodeToString(s.sign()) + "\n").getBytes(StandardCharsets.US_ASCII);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot sign with this key (" + key.getAlgorithm() + "): " + e.getMessage(), e);
    }
  }

  /**
   * Checks {@code sigFile} (the bytes of {@code <hex>.sig}, or null when there is none) against
   * {@code ref}; throws {@link ManifestTrustException} naming the ref, the key and the reason.
   */
  public static void verify(PublicKey key, ModelRef ref, byte[] sigFile, String where) throws ManifestTrustException {
    if (sigFile == null) {
      throw new ManifestTrustException(ref + " is not signed (no " + ref.digest().hex() + SUFFIX + " in " + where
          + ") and this agent only accepts manifests signed with its --manifest-public-key");
    }
    byte[] sig;
    try {
      sig = Base64.getDecoder().decode(new String(sigFile, StandardCharsets.US_ASCII).strip());
    } catch (IllegalArgumentException e) {
      throw new ManifestTrustException("the signature of " + ref + " in " + where + " is not base64: " + e.getMessage());
    }
    if (sig.length != SIGNATURE_BYTES) {
      throw new ManifestTrustException("the signature of " + ref + " in " + where + " has " + sig.length
          + " bytes, not the " + SIGNATURE_BYTES + " of an Ed25519 signature");
    }
    boolean ok;
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(key);
      s.update(LABEL);
      s.update(ref.digest().toBytes());
      ok = s.verify(sig);
    } catch (GeneralSecurityException e) {
      ok = false;
    }
    if (!ok) {
      throw new ManifestTrustException("the signature of " + ref + " in " + where
          + " does not verify with the --manifest-public-key (signed with another key, or tampered with)");
    }
  }

  /** A new Ed25519 key pair. */
  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is unavailable in this JVM", e);
    }
  }

  /**
   * Writes {@link #PRIVATE_KEY_FILE} (mode 0600) and {@link #PUBLIC_KEY_FILE} into {@code dir};
   * refuses to overwrite an existing key. Returns the private key's path.
   */
  public static Path writeKeyPair(KeyPair pair, Path dir) throws IOException {
    Files.createDirectories(dir);
    Path priv = dir.resolve(PRIVATE_KEY_FILE);
    Path pub = dir.resolve(PUBLIC_KEY_FILE);
    for (Path p : new Path[] {priv, pub}) {
      if (Files.exists(p)) {
        throw new IOException(p + " exists; refusing to overwrite a key (move it away first)");
      }
    }
    Files.createFile(priv, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(priv, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    Files.writeString(pub, pem("PUBLIC KEY", pair.getPublic().getEncoded()));
    return priv;
  }

  /** Reads a PEM PKCS#8 Ed25519 private key; throws an IOException naming the file. */
  public static PrivateKey readPrivateKey(Path file) throws IOException {
    byte[] der = der(file, "PRIVATE KEY");
    try {
      return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " holds no Ed25519 private key: " + e.getMessage(), e);
    }
  }

  /** Reads a PEM X.509 Ed25519 public key; throws an IOException naming the file. */
  public static PublicKey readPublicKey(Path file) throws IOException {
    byte[] der = der(file, "PUBLIC KEY");
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " holds no Ed25519 public key: " + e.getMessage(), e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  private static byte[] der(Path file, String type) throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IOException("cannot read key file " + file + ": " + e.getMessage(), e);
    }
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int b = text.indexOf(begin);
    int e = text.indexOf(end);
    if (b < 0 || e < b) {
      throw new IOException(file + " is not a PEM " + type + " (expected a '" + begin + "' block)");
    }
    try {
      return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
    } catch (IllegalArgumentException ex) {
      throw new IOException(file + ": the PEM " + type + " is not base64: " + ex.getMessage(), ex);
    }
  }
}
