package io.modelfs.p2p;

import com.google.protobuf.ByteString;
import io.modelfs.core.proto.PeerAuth;
import io.modelfs.core.proto.PeerHello;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first exchange on every connection, the same on both sides:
 *
 * <pre>
 *   A -&gt; B  HELLO{version, node_id, nonce_A}      B -&gt; A  HELLO{version, node_id, nonce_B}
 *   A -&gt; B  AUTH{HMAC(key, label|nonce_B|id_A|nonce_A)}   and the mirror from B
 * </pre>
 *
 * Each side checks the other's version (the pair speaks the lower one if they differ by at most
 * one), node id and proof; anything else before a valid AUTH, a failed check or no AUTH within
 * the handshake timeout closes the connection with a log line naming the peer and the reason.
 * With mutual TLS the HELLO's node id must also be named by the peer's certificate (CN or DNS
 * SAN), so a node cannot speak for another even with the swarm key.
 * On success this handler replaces itself with the connection's {@link PeerSession}. One
 * instance per channel.
 */
final class Handshake extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(Handshake.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  static final int NONCE_BYTES = 32;

  /** Builds the session once the peer proved membership. */
  interface Completion {
    PeerSession authenticated(ChannelHandlerContext ctx, String remoteId, int version);
  }

  private final PeerConfig config;
  private final Completion completion;
  private final boolean tls;
  private final byte[] myNonce = new byte[NONCE_BYTES];
  private PeerHello theirs;
  private ScheduledFuture<?> timeout;

  Handshake(PeerConfig config, boolean tls, Completion completion) {
    this.config = config;
    this.tls = tls;
    this.completion = completion;
    RANDOM.nextBytes(myNonce);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    timeout = ctx.executor().schedule(() -> fail(ctx, "no handshake within " + config.handshakeTimeout().toMillis() + " ms"),
        config.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    ctx.writeAndFlush(PeerHello.newBuilder().setVersion(config.version()).setNodeId(config.nodeId())
        .setNonce(ByteString.copyFrom(myNonce)).build());
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelTimeout();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (theirs == null && msg instanceof PeerHello hello) {
        onHello(ctx, hello);
      } else if (theirs != null && msg instanceof PeerAuth auth) {
        onAuth(ctx, auth);
      } else {
        fail(ctx, "sent " + describe(msg) + " before completing the handshake");
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onHello(ChannelHandlerContext ctx, PeerHello hello) {
    int v = hello.getVersion();
    if (v < Wire.MIN_VERSION || Math.abs(v - config.version()) > 1) {
      fail(ctx, "speaks protocol version " + v + "; this node speaks " + config.version() + " and accepts "
          + Math.max(Wire.MIN_VERSION, config.version() - 1) + ".." + (config.version() + 1));
      return;
    }
    try {
      PeerConfig.checkNodeId(hello.getNodeId());
    } catch (IllegalArgumentException e) {
      fail(ctx, "sent an invalid " + e.getMessage());
      return;
    }
    if (hello.getNonce().size() != NONCE_BYTES) {
      fail(ctx, "sent a nonce of " + hello.getNonce().size() + " bytes, expected " + NONCE_BYTES);
      return;
    }
    if (hello.getNodeId().equals(config.nodeId())) {
      fail(ctx, "has this node's own id '" + config.nodeId() + "' (a connection to self, or a duplicate id)");
      return;
    }
    if (tls) {
      String mismatch = PeerTls.checkIdentity(ctx.pipeline().get(SslHandler.class), hello.getNodeId());
      if (mismatch != null) {
        fail(ctx, mismatch);
        return;
      }
    }
    theirs = hello;
    byte[] proof = config.key().proof(hello.getNonce().toByteArray(), config.nodeId(), myNonce);
    ctx.writeAndFlush(PeerAuth.newBuilder().setProof(ByteString.copyFrom(proof)).build());
  }

  private void onAuth(ChannelHandlerContext ctx, PeerAuth auth) {
    if (!config.key().verify(auth.getProof().toByteArray(), myNonce, theirs.getNodeId(),
        theirs.getNonce().toByteArray())) {
      fail(ctx, "'" + theirs.getNodeId() + "' failed the swarm key proof (wrong --swarm-key-file?)");
      return;
    }
    cancelTimeout();
    int version = Math.min(config.version(), theirs.getVersion());
    PeerSession session = completion.authenticated(ctx, theirs.getNodeId(), version);
    if (session != null) {
      ctx.pipeline().replace(this, "session", session);
      session.start();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(ctx, cause.getMessage() == null ? cause.toString() : cause.getMessage());
  }

  private void fail(ChannelHandlerContext ctx, String why) {
    cancelTimeout();
    if (ctx.channel().isOpen()) {
      String who = theirs == null ? "" : " '" + theirs.getNodeId() + "'";
      log.warn("peer{} at {}: handshake failed, closing: {}", who, ctx.channel().remoteAddress(), why);
      ctx.close();
    }
  }

  private void cancelTimeout() {
    if (timeout != null) {
      timeout.cancel(false);
    }
  }

  static String describe(Object msg) {
    if (msg instanceof com.google.protobuf.MessageLite m) {
      return m.getClass().getSimpleName();
    }
    return msg.getClass().getSimpleName();
  }
}
