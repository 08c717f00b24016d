package io.modelfs.p2p;

import io.modelfs.core.ReloadingTls;
import io.modelfs.core.TlsFiles;
import io.netty.channel.Channel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Mutual TLS for peer connections: both sides present a certificate issued by the swarm's CA
 * ({@link TlsFiles#trustedCa()}) and each checks that the node id the other announces in its
 * HELLO is named by the other's certificate (CN or DNS SAN). The HMAC swarm-key proof still runs
 * inside the TLS session. Built once per {@link Swarm}; the JDK's TLS provider, TLS 1.3 and 1.2.
 * The key and trust managers are {@link ReloadingTls}: certificate, key and CA files renewed in
 * place (cert-manager) are presented and trusted on new connections without a restart; open
 * connections keep their session.
 */
final class PeerTls {
  private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  private final SslContext server;
  private final SslContext client;

  private PeerTls(SslContext server, SslContext client) {
    this.server = server;
    this.client = client;
  }

  /** Loads the PEM files; throws an IOException naming them if they do not form a usable key and certificate. */
  static PeerTls load(TlsFiles files) throws IOException {
    try {
      ReloadingTls material = ReloadingTls.load(files);
      SslContext server = SslContextBuilder.forServer(material.keyManager())
          .sslProvider(SslProvider.JDK).protocols(PROTOCOLS)
          .trustManager(material.trustManager())
          .clientAuth(ClientAuth.REQUIRE)
          .build();
      SslContext client = SslContextBuilder.forClient()
          .sslProvider(SslProvider.JDK).protocols(PROTOCOLS)
          .keyManager(material.keyManager())
          .trustManager(material.trustManager())
          // Peers are dialled by address; the identity check is the node id against the
          // certificate, done in the handshake, not the host name.
          .endpointIdentificationAlgorithm(null)
          .build();
      return new PeerTls(server, client);
    } catch (IOException | RuntimeException e) {
      throw new IOException("cannot load the TLS certificate " + files.certChain() + ", key " + files.privateKey()
          + " or CA bundle " + files.trustedCa() + " (PEM; the key must be PKCS#8): " + e.getMessage(), e);
    }
  }

  SslHandler newHandler(Channel ch, boolean outbound) {
    return outbound ? client.newHandler(ch.alloc()) : server.newHandler(ch.alloc());
  }

  /**
   * Null if the TLS session's peer certificate names {@code nodeId}; otherwise why not (for the
   * log line that closes the connection).
   */
  static String checkIdentity(SslHandler ssl, String nodeId) {
    Certificate[] chain;
    try {
      chain = ssl.engine().getSession().getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return "presented no verified certificate";
    }
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
      return "presented no X.509 certificate";
    }
    if (!TlsFiles.identifies(leaf, nodeId)) {
      return "announced node id '" + nodeId + "' but its certificate names " + TlsFiles.names(leaf)
          + " (the CN or a DNS SAN must equal the node id)";
    }
    return null;
  }
}
