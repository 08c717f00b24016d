package io.modelfs.p2p;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds every peer connection's pipeline, inbound and outbound alike. */
final class PeerPipeline extends ChannelInitializer<SocketChannel> {
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
    ch.pipeline()
        // Close a silent peer; keep a quiet connection alive with keepalives at half the timeout.
        .addLast("idle", new IdleStateHandler(idle, idle / 2, 0, TimeUnit.MILLISECONDS))
        // Bytes to frames, bounded: control frames whole, chunk data streamed as slices.
        .addLast("decoder", new FrameDecoder(c.maxControlFrame(), c.maxChunk()))
        // Control messages to frames; DATA headers and FileRegions pass through untouched.
        .addLast("encoder", FrameEncoder.INSTANCE)
        // HELLO/AUTH; replaced by the PeerSession once the peer proved membership.
        .addLast("handshake", new Handshake(c, (ctx, remoteId, version) -> {
          PeerSession s = new PeerSession(peers, ctx.channel(), remoteId, version, outbound);
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
}
