package io.modelfs.tracker;

import io.modelfs.core.ReloadingTls;
import io.modelfs.core.TlsFiles;
import java.io.IOException;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * Mutual TLS on the tracker's gRPC transport, the same PEM files for replicas and clients: every
 * connection (client to replica, replica to replica) presents a certificate from the CA and
 * verifies the other's; a client also checks the replica's certificate against the host it
 * dialled (its DNS or IP SAN), as gRPC does. The key and trust managers are {@link ReloadingTls}
 * (Ratis 3's {@code GrpcTlsConfig(KeyManager, TrustManager, mTLS)}): the server, the replicas'
 * channels to each other and clients present renewed certificate files, and trust a renewed CA
 * bundle, on every new TLS handshake without a restart; open channels keep their session.
 */
final class TrackerTls {
  private TrackerTls() {}

  /**
   * Ratis parameters that turn mutual TLS on for the server, client and admin transports; empty
   * with no TLS. Throws an IOException naming the files if they are not a usable key and certificate.
   */
  static Parameters parameters(TlsFiles files) throws IOException {
    Parameters p = new Parameters();
    if (files == null) {
      return p;
    }
    return parameters(ReloadingTls.load(files));
  }

  /** As {@link #parameters(TlsFiles)} with material already loaded (shared with the client's request signatures). */
  static Parameters parameters(ReloadingTls material) {
    Parameters p = new Parameters();
    GrpcConfigKeys.TLS.setConf(p, new GrpcTlsConfig(material.keyManager(), material.trustManager(), true));
    return p;
  }
}
