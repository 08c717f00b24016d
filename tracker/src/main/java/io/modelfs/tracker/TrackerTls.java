package io.modelfs.tracker;

import io.modelfs.core.TlsFiles;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * Mutual TLS on the tracker's gRPC transport, the same PEM files for replicas and clients: every
 * connection (client to replica, replica to replica) presents a certificate from the CA and
 * verifies the other's; a client also checks the replica's certificate against the host it
 * dialled (its DNS or IP SAN), as gRPC does. Ratis reads the files when it opens each channel.
 */
final class TrackerTls {
  private TrackerTls() {}

  /** Ratis parameters that turn mutual TLS on for the server, client and admin transports; empty with no TLS. */
  static Parameters parameters(TlsFiles files) {
    Parameters p = new Parameters();
    if (files == null) {
      return p;
    }
    GrpcConfigKeys.TLS.setConf(p, new GrpcTlsConfig(files.privateKey().toFile(), files.certChain().toFile(),
        files.trustedCa().toFile(), true));
    return p;
  }
}
