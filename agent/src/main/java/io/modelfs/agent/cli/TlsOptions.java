package io.modelfs.agent.cli;

import io.modelfs.core.TlsFiles;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The TLS flags every command that talks to peers or trackers shares (a picocli mixin): all three
 * or none. The same PEM files serve the swarm (Netty) and the tracker (Ratis gRPC).
 */
final class TlsOptions {
  @Option(names = "--tls-cert", paramLabel = "PEM",
      description = "This node's certificate chain (PEM). With --tls-key and --tls-ca: mutual TLS to peers and trackers;"
          + " for an agent its CN or a DNS SAN must equal the node id, for a tracker replica its SANs must name the"
          + " host the others dial.")
  Path cert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "The certificate's private key (PEM, PKCS#8 'BEGIN PRIVATE KEY').")
  Path key;

  @Option(names = "--tls-ca", paramLabel = "PEM", description = "The CA bundle (PEM) that issued every agent's and tracker's certificate.")
  Path ca;

  /** The files, or null when no flag is given; throws IllegalArgumentException naming what is missing or unreadable. */
  TlsFiles files() {
    return TlsFiles.fromFlags(cert, key, ca);
  }
}
