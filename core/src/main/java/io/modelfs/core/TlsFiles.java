package io.modelfs.core;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * One node's TLS material as PEM files: its certificate chain, its private key (PKCS#8, {@code
 * BEGIN PRIVATE KEY}: what cert-manager writes with {@code privateKey.encoding: PKCS8} and
 * {@code openssl genpkey} by default) and the CA bundle it trusts for the other side. The same
 * files serve the peer swarm (Netty) and the tracker (Ratis gRPC); both sides of every
 * connection present and verify a certificate.
 *
 * <p>A node's identity is its certificate's subject CN or any DNS subject-alternative name:
 * {@link #names} lists them and {@link #identifies} checks a node id against them.
 */
public record TlsFiles(Path certChain, Path privateKey, Path trustedCa) {

  /** Throws IllegalArgumentException naming the file unless all three are readable files. */
  public TlsFiles {
    readable("certificate chain (--tls-cert)", certChain);
    readable("private key (--tls-key)", privateKey);
    readable("trusted CA bundle (--tls-ca)", trustedCa);
  }

  /**
   * The TLS material from three optional flags: null when none is given, the files when all
   * three are; throws IllegalArgumentException naming the missing flags when only some are.
   */
  public static TlsFiles fromFlags(Path cert, Path key, Path ca) {
    if (cert == null && key == null && ca == null) {
      return null;
    }
    if (cert == null || key == null || ca == null) {
      List<String> missing = new ArrayList<>();
      if (cert == null) {
        missing.add("--tls-cert");
      }
      if (key == null) {
        missing.add("--tls-key");
      }
      if (ca == null) {
        missing.add("--tls-ca");
      }
      throw new IllegalArgumentException("--tls-cert, --tls-key and --tls-ca go together; missing " + String.join(", ", missing));
    }
    return new TlsFiles(cert, key, ca);
  }

  /** The names a certificate vouches for: its subject CN(s), then its DNS subject-alternative names. */
  public static List<String> names(X509Certificate cert) {
    List<String> out = new ArrayList<>();
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          out.add(String.valueOf(rdn.getValue()));
        }
      }
    } catch (InvalidNameException e) {
      // A subject that does not parse vouches for no CN; the SANs may still name the node.
    }
    try {
      if (cert.getSubjectAlternativeNames() != null) {
        for (List<?> san : cert.getSubjectAlternativeNames()) {
          if (san.size() == 2 && Integer.valueOf(2).equals(san.get(0))) {
            out.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // Unparseable SANs vouch for nothing.
    }
    return out;
  }

  /** True if {@code nodeId} equals the certificate's CN or one of its DNS names (exactly, case-sensitive). */
  public static boolean identifies(X509Certificate cert, String nodeId) {
    return names(cert).contains(nodeId);
  }

  private static void readable(String what, Path p) {
    if (p == null) {
      throw new IllegalArgumentException("TLS needs a " + what);
    }
    if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
      throw new IllegalArgumentException("TLS " + what + " " + p + " is not a readable file");
    }
  }
}
