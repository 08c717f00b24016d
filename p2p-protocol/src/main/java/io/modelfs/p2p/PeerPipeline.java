package io.modelfs.p2p;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds every peer connection's pipeline, inbound and outbound alike. */
final class PeerPipeline extends ChannelInitializer<SocketChannel> {
  /** The authenticated peer's id, set before the duplicate-connection rule runs (a refused dial learns whom it reached). */
  static final AttributeKey<String> REMOTE_ID = AttributeKey.valueOf("modelfs.remoteId");

  private static final Logger log = LoggerFactory.getLogger(PeerPipeline.class);

  private final Peers peers;
  private final boolean outbound;

  PeerPipeline(Peers peers, boolean outbound) {
    this.peers = peers;
    this.outbound = outbound;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    // The connection limit is checked before anything is read from a stranger.
    if (!peers.admit()) {
      log.warn("refusing connection from {}: {} connections open, the limit", ch.remoteAddress(),
          peers.config().maxConnections());
      ch.close();
      return;
    }
    ch.closeFuture().addListener(f -> peers.released());
    PeerConfig c = peers.config();
    long idle = c.idleTimeout().toMillis();
    PeerTls tls = peers.tls();
    if (tls != null) {
      // Mutual TLS first, so that not one frame is read from a peer without a certificate from
      // the swarm's CA; chunk files then go out as chunked reads (sendfile cannot encrypt).
      SslHandler ssl = tls.newHandler(ch, outbound);
      ssl.handshakeFuture().addListener(f -> {
        if (!f.isSuccess()) {
          log.warn("peer at {}: TLS handshake failed, closing: {}", ch.remoteAddress(), describe(f.cause()));
        }
      });
      ch.pipeline().addLast("tls", ssl).addLast("chunked", new ChunkedWriteHandler());
    }
    ch.pipeline()
        // Close a silent peer; keep a quiet connection alive with keepalives at half the timeout.
        .addLast("idle", new IdleStateHandler(idle, idle / 2, 0, TimeUnit.MILLISECONDS))
        // Bytes to frames, bounded: control frames whole, chunk data streamed as slices.
        .addLast("decoder", new FrameDecoder(c.maxControlFrame(), c.maxChunk()))
        // Control messages to frames; DATA headers and FileRegions pass through untouched.
        .addLast("encoder", FrameEncoder.INSTANCE)
        // HELLO/AUTH; replaced by the PeerSession once the peer proved membership.
        .addLast("handshake", new Handshake(c, tls != null, (ctx, remoteId, version) -> {
          PeerSession s = new PeerSession(peers, ctx.channel(), remoteId, version, outbound);
          ctx.channel().attr(REMOTE_ID).set(remoteId);
          String refusal = peers.register(s);
          if (refusal != null) {
            log.info("closing connection to {}: {}", ctx.channel().remoteAddress(), refusal);
            ctx.close();
            return null;
          }
          log.info("peer {} at {} connected ({}, protocol v{})", remoteId, ctx.channel().remoteAddress(),
              outbound ? "dialled" : "accepted", version);
          return s;
        }));
  }

  /** The innermost cause's message: an SSLHandshakeException says why (no certificate, unknown CA). */
  private static String describe(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.getMessage() == null ? c.toString() : c.getClass().getSimpleName() + ": " + c.getMessage();
  }
}
