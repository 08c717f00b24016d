package io.modelfs.tracker;

import com.google.protobuf.ByteString;
import io.modelfs.core.ReloadingTls;
import io.modelfs.core.TlsFiles;
import io.modelfs.core.proto.NodeProofProto;
import io.modelfs.core.proto.TrackerRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

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

  private final ReloadingTls material;
  private volatile Encoded encoded;

  /** A certificate with its DER bytes, encoded once per certificate. */
  private record Encoded(X509Certificate certificate, ByteString der) {}

  private NodeCredentials(ReloadingTls material) {
    this.material = material;
  }

  /**
   * Signs with the current certificate and key of {@code material}: a certificate renewed in
   * place is used from the next request on.
   */
  static NodeCredentials of(ReloadingTls material) {
    NodeCredentials c = new NodeCredentials(material);
    signatureAlgorithm(material.identity().key().getAlgorithm()); // fails now, not per request
    return c;
  }

  /** Loads the leaf certificate and PKCS#8 key; throws an IllegalArgumentException naming the file. */
  static NodeCredentials load(TlsFiles files) {
    try {
      return of(ReloadingTls.load(files));
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot load the node certificate " + files.certChain() + " or key "
          + files.privateKey() + " to sign tracker requests: " + e.getMessage(), e);
    }
  }

  /** The bytes to send: {@code request} followed by its proof. */
  byte[] signedBytes(TrackerRequest request, long nowMillis) {
    byte[] body = request.toByteArray();
    ReloadingTls.Identity id = material.identity();
    PrivateKey key = id.key();
    String algorithm = signatureAlgorithm(key.getAlgorithm());
    Encoded enc = encoded;
    if (enc == null || enc.certificate() != id.certificate()) {
      try {
        enc = new Encoded(id.certificate(), ByteString.copyFrom(id.certificate().getEncoded()));
      } catch (java.security.cert.CertificateEncodingException ex) {
        throw new IllegalStateException("cannot encode the node certificate " + material.files().certChain(), ex);
      }
      encoded = enc;
    }
    ByteString certificate = enc.der();
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

  static X509Certificate certificate(byte[] der) throws GeneralSecurityException {
    return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }
}
