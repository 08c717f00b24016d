package io.modelfs.tracker;

import com.google.protobuf.ByteString;
import io.modelfs.core.TlsFiles;
import io.modelfs.core.proto.TrackerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Who may speak for a node. Without TLS ({@link #OPEN}) anyone may, and the tracker only
 * refuses node ids that are not registered. With TLS ({@link #certificates}) every request that
 * names a node (register, heartbeat, neighbours, announce, lease, await, ping) must carry a
 * {@link NodeCredentials} proof: a certificate that chains to the tracker's CA and names that
 * node (CN or DNS SAN), a signature by its key over the bytes as sent, and a time within
 * {@link #MAX_SKEW} of the leader's clock. Publish, tag and reads name no node and need none.
 *
 * <p>Errors: {@link TrackerException} with code {@code FORBIDDEN} naming the node and the
 * reason. Thread-safe; validated certificates are cached by their bytes.
 */
interface NodeAuthenticator {
  Duration MAX_SKEW = Duration.ofMinutes(5);

  /** Checks {@code request}, parsed from {@code sent}, at {@code nowMillis}. */
  void check(byte[] sent, TrackerRequest request, long nowMillis) throws TrackerException;

  NodeAuthenticator OPEN = (sent, request, now) -> { };

  /** The node id a request speaks for, or null if it names none. */
  static String nodeOf(TrackerRequest r) {
    return switch (r.getBodyCase()) {
      case REGISTER -> r.getRegister().getNodeId();
      case HEARTBEAT -> r.getHeartbeat().getNodeId();
      case NEIGHBOURS -> r.getNeighbours().getNodeId();
      case ANNOUNCE -> r.getAnnounce().getNodeId();
      case LEASE -> r.getLease().getNodeId();
      case AWAIT -> r.getAwait().getNodeId();
      case PING -> r.getPing().getNodeId();
      default -> null;
    };
  }

  /** Proofs checked against the CA bundle of {@code files}; throws an IOException naming the bundle if it holds no certificate. */
  static NodeAuthenticator certificates(TlsFiles files) throws IOException {
    Set<TrustAnchor> anchors = new HashSet<>();
    try (InputStream in = Files.newInputStream(files.trustedCa())) {
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        anchors.add(new TrustAnchor((X509Certificate) c, null));
      }
    } catch (GeneralSecurityException e) {
      throw new IOException("CA bundle " + files.trustedCa() + " does not parse: " + e.getMessage(), e);
    }
    if (anchors.isEmpty()) {
      throw new IOException("CA bundle " + files.trustedCa() + " holds no certificate");
    }
    return new CertificateProofs(anchors);
  }

  /** The TLS implementation. */
  final class CertificateProofs implements NodeAuthenticator {
    private static final int CACHE = 10_000;
    private final Set<TrustAnchor> anchors;
    private final ConcurrentMap<ByteString, X509Certificate> valid = new ConcurrentHashMap<>();

    CertificateProofs(Set<TrustAnchor> anchors) {
      this.anchors = anchors;
    }

    @Override
    public void check(byte[] sent, TrackerRequest request, long nowMillis) throws TrackerException {
      String node = nodeOf(request);
      if (node == null) {
        return;
      }
      if (!request.hasProof()) {
        throw forbidden("%s for node '%s' carries no certificate proof; this tracker runs with TLS: give the node"
            + " --tls-cert/--tls-key", request.getBodyCase(), node);
      }
      var proof = request.getProof();
      X509Certificate cert = validated(proof.getCertificate(), node);
      if (!TlsFiles.identifies(cert, node)) {
        throw forbidden("%s for node '%s' is signed with a certificate for %s, not for that node",
            request.getBodyCase(), node, TlsFiles.names(cert));
      }
      if (Math.abs(proof.getTimeMillis() - nowMillis) > MAX_SKEW.toMillis()) {
        throw forbidden("%s for node '%s' was signed at %d, more than %s from the tracker's clock (%d)",
            request.getBodyCase(), node, proof.getTimeMillis(), MAX_SKEW, nowMillis);
      }
      int proofBytes = TrackerRequest.newBuilder().setProof(proof).build().getSerializedSize();
      int bodyBytes = sent.length - proofBytes;
      byte[] body = bodyBytes < 0 ? new byte[0] : java.util.Arrays.copyOf(sent, bodyBytes);
      if (bodyBytes < 0 || !NodeCredentials.verify(cert.getPublicKey(), body, proof.getTimeMillis(),
          proof.getSignature().toByteArray())) {
        throw forbidden("%s for node '%s': the signature does not verify with its certificate's key",
            request.getBodyCase(), node);
      }
    }

    private X509Certificate validated(ByteString der, String node) throws TrackerException {
      X509Certificate cached = valid.get(der);
      if (cached != null) {
        try {
          cached.checkValidity();
          return cached;
        } catch (GeneralSecurityException e) {
          valid.remove(der);
        }
      }
      try {
        X509Certificate cert = NodeCredentials.certificate(der.toByteArray());
        PKIXParameters params = new PKIXParameters(anchors);
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(
            CertificateFactory.getInstance("X.509").generateCertPath(List.of(cert)), params);
        if (valid.size() >= CACHE) {
          valid.clear();
        }
        valid.put(der, cert);
        return cert;
      } catch (GeneralSecurityException | RuntimeException e) {
        throw forbidden("the certificate presented for node '%s' is not valid under the tracker's CA: %s", node,
            e.getMessage());
      }
    }

    private static TrackerException forbidden(String format, Object... args) {
      return new TrackerException(TrackerException.Code.FORBIDDEN, String.format(format, args));
    }
  }
}
