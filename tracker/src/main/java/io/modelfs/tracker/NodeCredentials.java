package io.modelfs.tracker;

import com.google.protobuf.ByteString;
import io.modelfs.core.TlsFiles;
import io.modelfs.core.proto.NodeProofProto;
import io.modelfs.core.proto.TrackerRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/**
 * A node's proof of identity on tracker requests (TLS trackers): the node's leaf certificate
 * and a signature with its key over the exact request bytes and the time. The proof is
 * appended to the serialized request as field 30 (protobuf merges concatenated messages), so
 * the tracker verifies the bytes as they were sent, never a re-serialization.
 *
 * <p>Signed: {@code "modelfs-tracker-request-v1" || request bytes without the proof ||
 * time_millis (8 bytes, big-endian)}. Thread-safe.
 */
final class NodeCredentials {
  static final byte[] LABEL = "modelfs-tracker-request-v1".getBytes(StandardCharsets.US_ASCII);

  private final ByteString certificate;
  private final PrivateKey key;
  private final String algorithm;

  private NodeCredentials(ByteString certificate, PrivateKey key) {
    this.certificate = certificate;
    this.key = key;
    this.algorithm = signatureAlgorithm(key.getAlgorithm());
  }

  /** Loads the leaf certificate and PKCS#8 key; throws an IllegalArgumentException naming the file. */
  static NodeCredentials load(TlsFiles files) {
    try (InputStream in = Files.newInputStream(files.certChain())) {
      X509Certificate leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      return new NodeCredentials(ByteString.copyFrom(leaf.getEncoded()), privateKey(files));
    } catch (IOException | GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException("cannot load the node certificate " + files.certChain() + " or key "
          + files.privateKey() + " to sign tracker requests: " + e.getMessage(), e);
    }
  }

  /** The bytes to send: {@code request} followed by its proof. */
  byte[] signedBytes(TrackerRequest request, long nowMillis) {
    byte[] body = request.toByteArray();
    try {
      Signature s = Signature.getInstance(algorithm);
      s.initSign(key);
      s.update(LABEL);
      s.update(body);
      s.update(ByteBuffer.allocate(8).putLong(nowMillis).array());
      byte[] proof = TrackerRequest.newBuilder().setProof(NodeProofProto.newBuilder().setCertificate(certificate)
          .setTimeMillis(nowMillis).setSignature(ByteString.copyFrom(s.sign()))).build().toByteArray();
      return ByteBuffer.allocate(body.length + proof.length).put(body).put(proof).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a tracker request with the node's " + key.getAlgorithm() + " key", e);
    }
  }

  static String signatureAlgorithm(String keyAlgorithm) {
    return switch (keyAlgorithm) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> throw new IllegalArgumentException("unsupported key algorithm " + keyAlgorithm + " (EC, RSA or Ed25519)");
    };
  }

  /** Verifies {@code signature} by {@code publicKey} over the signed bytes. */
  static boolean verify(PublicKey publicKey, byte[] body, long timeMillis, byte[] signature) {
    try {
      Signature s = Signature.getInstance(signatureAlgorithm(publicKey.getAlgorithm()));
      s.initVerify(publicKey);
      s.update(LABEL);
      s.update(body);
      s.update(ByteBuffer.allocate(8).putLong(timeMillis).array());
      return s.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  private static PrivateKey privateKey(TlsFiles files) throws IOException, GeneralSecurityException {
    String pem = Files.readString(files.privateKey(), StandardCharsets.US_ASCII);
    int b = pem.indexOf("-----BEGIN PRIVATE KEY-----");
    int e = pem.indexOf("-----END PRIVATE KEY-----");
    if (b < 0 || e < b) {
      throw new GeneralSecurityException("the key is not PEM PKCS#8 (BEGIN PRIVATE KEY)");
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(b + "-----BEGIN PRIVATE KEY-----".length(), e));
    GeneralSecurityException last = null;
    for (String alg : List.of("EC", "RSA", "Ed25519")) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException ex) {
        last = ex;
      }
    }
    throw last;
  }

  static X509Certificate certificate(byte[] der) throws GeneralSecurityException {
    return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }
}
