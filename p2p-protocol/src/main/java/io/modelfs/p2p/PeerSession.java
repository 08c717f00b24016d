package io.modelfs.p2p;

import com.google.protobuf.ByteString;
import io.modelfs.core.Digest;
import io.modelfs.core.proto.Bitfield;
import io.modelfs.core.proto.Cancel;
import io.modelfs.core.proto.ChunkRequest;
import io.modelfs.core.proto.Dropped;
import io.modelfs.core.proto.Have;
import io.modelfs.core.proto.Refuse;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One authenticated connection to a peer: what the peer holds (from its BITFIELD, HAVE and
 * DROPPED), the requests this node has in flight to it, and the requests it sent us (served by
 * the {@link UploadQueue}). A protocol violation — data for a request never made, a bitfield of
 * the wrong size, a malformed frame — closes the connection with a log line naming the peer.
 *
 * <p>Thread-safety: Netty calls the handler methods on the channel's event loop; {@link #request},
 * {@link #cancel} and the holdings queries come from other threads and touch only concurrent or
 * synchronized state.
 */
final class PeerSession extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(PeerSession.class);
  /** Chunk indices above this are refused (a 1<<24-chunk model would be 128 TiB at 8 MiB). */
  static final int MAX_CHUNKS = 1 << 24;

  private final Peers peers;
  private final Channel channel;
  private final String remoteId;
  private final int version;
  private final boolean outbound;
  private final Map<Digest, BitSet> holdings = new HashMap<>();
  private final Map<Long, Transfer> requests = new ConcurrentHashMap<>();
  private final Set<Long> cancelled = ConcurrentHashMap.newKeySet();
  private final AtomicLong nextId = new AtomicLong(1);
  private final AtomicLong buffered = new AtomicLong();
  private Transfer receiving;

  PeerSession(Peers peers, Channel channel, String remoteId, int version, boolean outbound) {
    this.peers = peers;
    this.channel = channel;
    this.remoteId = remoteId;
    this.version = version;
    this.outbound = outbound;
  }

  String remoteId() {
    return remoteId;
  }

  int version() {
    return version;
  }

  Channel channel() {
    return channel;
  }

  /** The node that dialled this connection: when two peers dial each other, the lower one's dial survives. */
  String initiator() {
    return outbound ? peers.config().nodeId() : remoteId;
  }

  /** Called once the handshake put this session in the pipeline: sends our holdings. */
  void start() {
    peers.listener().peerConnected(remoteId);
    for (Bitfield b : peers.announcer().bitfields()) {
      channel.write(b);
    }
    channel.flush();
  }

  int outstanding() {
    return requests.size();
  }

  synchronized boolean holds(Digest model, int index) {
    BitSet bits = holdings.get(model);
    return bits != null && bits.get(index);
  }

  // --- receiving side --------------------------------------------------------------------------

  /** Sends a request and returns its transfer; the caller drains it. */
  Transfer request(Digest digest, long offset, int length, String what) {
    long id = nextId.getAndIncrement();
    Transfer t = new Transfer(id, length, what, this::drained);
    requests.put(id, t);
    if (!channel.isActive()) {
      requests.remove(id);
      t.fail(new PeerFetchException(PeerFetchException.Reason.DISCONNECTED, what + ": peer disconnected"));
      return t;
    }
    channel.writeAndFlush(ChunkRequest.newBuilder().setId(id).setDigest(ByteString.copyFrom(digest.toBytes()))
        .setOffset(offset).setLength(length).build());
    return t;
  }

  /** Withdraws a request the caller gave up on; bytes that still arrive for it are discarded. */
  void cancel(Transfer t) {
    if (requests.remove(t.id()) != null && !t.complete()) {
      if (!t.started()) {
        cancelled.add(t.id()); // its DATA frame may still come, and is then discarded
      }
      channel.writeAndFlush(Cancel.newBuilder().setId(t.id()).build());
    }
  }

  private void drained(long n) {
    long now = buffered.addAndGet(-n);
    if (now <= peers.config().receiveBuffer() / 2 && !channel.config().isAutoRead()) {
      channel.config().setAutoRead(true);
    }
  }

  // data: <u32 9+n><u8 0x20><u64 id> then n bytes, arriving as DataStart + DataBytes*
  private void onDataStart(ChannelHandlerContext ctx, DataStart start) {
    Transfer t = requests.get(start.id());
    if (t == null) {
      if (cancelled.remove(start.id())) {
        receiving = null;
        return;
      }
      violation(ctx, "sent data for request " + start.id() + ", which this node never made");
      return;
    }
    if (start.length() != t.length()) {
      violation(ctx, "sent " + start.length() + " bytes for request " + start.id() + " of " + t.length());
      return;
    }
    receiving = t;
  }

  private void onDataBytes(DataBytes bytes) {
    if (receiving == null) {
      bytes.release();
      return;
    }
    if (buffered.addAndGet(bytes.cost()) > peers.config().receiveBuffer()) {
      channel.config().setAutoRead(false);
    }
    Transfer t = receiving;
    if (t.offer(bytes)) {
      requests.remove(t.id());
      receiving = null;
    }
  }

  private void onRefuse(Refuse refuse) {
    Transfer t = requests.remove(refuse.getId());
    cancelled.remove(refuse.getId());
    if (t == null) {
      return;
    }
    PeerFetchException.Reason reason = switch (refuse.getReason()) {
      case BUSY -> PeerFetchException.Reason.BUSY;
      case NOT_FOUND -> PeerFetchException.Reason.NOT_FOUND;
      default -> PeerFetchException.Reason.ERROR;
    };
    t.fail(new PeerFetchException(reason, "peer " + remoteId + " refused request " + refuse.getId() + ": "
        + refuse.getReason() + (refuse.getMessage().isEmpty() ? "" : " (" + refuse.getMessage() + ")")));
  }

  // --- holdings ---------------------------------------------------------------------------------

  private void onBitfield(ChannelHandlerContext ctx, Bitfield b) {
    int count = b.getChunkCount();
    if (b.getModel().size() != Digest.LENGTH || count > MAX_CHUNKS || b.getBits().size() != (count + 7) / 8) {
      violation(ctx, "sent a bitfield for " + count + " chunks with " + b.getBits().size() + " bytes and a "
          + b.getModel().size() + "-byte model id");
      return;
    }
    BitSet bits = new BitSet(count);
    byte[] raw = b.getBits().toByteArray();
    for (int i = 0; i < count; i++) {
      if ((raw[i >> 3] & (0x80 >>> (i & 7))) != 0) {
        bits.set(i);
      }
    }
    Digest model = Digest.of(b.getModel().toByteArray());
    synchronized (this) {
      holdings.put(model, bits);
    }
    peers.listener().bitfield(remoteId, model, (BitSet) bits.clone());
  }

  private void onHave(ChannelHandlerContext ctx, ByteString model, List<Integer> chunks, boolean have) {
    if (model.size() != Digest.LENGTH) {
      violation(ctx, "sent " + (have ? "HAVE" : "DROPPED") + " with a " + model.size() + "-byte model id");
      return;
    }
    Digest m = Digest.of(model.toByteArray());
    synchronized (this) {
      BitSet bits = holdings.computeIfAbsent(m, k -> new BitSet());
      for (int i : chunks) {
        if (i < 0 || i >= MAX_CHUNKS) {
          violation(ctx, "announced chunk index " + Integer.toUnsignedString(i) + " of model " + m.shortHex());
          return;
        }
        bits.set(i, have);
      }
    }
    if (have) {
      peers.listener().have(remoteId, m, chunks);
    } else {
      peers.listener().dropped(remoteId, m, chunks);
    }
  }

  // --- serving side -----------------------------------------------------------------------------

  private void onRequest(ChunkRequest r) {
    if (peers.uploads().pending(remoteId) >= peers.config().maxQueuedPerPeer()) {
      refuse(r.getId(), Refuse.Reason.BUSY, peers.config().maxQueuedPerPeer() + " requests already queued");
      return;
    }
    if (peers.uploads().full()) {
      refuse(r.getId(), Refuse.Reason.BUSY, "all " + peers.config().uploadSlots() + " upload slots busy and "
          + peers.uploads().maxWaiting() + " requests waiting");
      return;
    }
    if (r.getDigest().size() != Digest.LENGTH || r.getLength() < 1 || r.getLength() > peers.config().maxChunk()
        || r.getOffset() < 0) {
      refuse(r.getId(), Refuse.Reason.BAD_REQUEST, "digest of " + r.getDigest().size() + " bytes, length "
          + Integer.toUnsignedString(r.getLength()) + ", offset " + r.getOffset());
      return;
    }
    Digest digest = Digest.of(r.getDigest().toByteArray());
    var file = peers.source().chunkFile(digest);
    if (file.isEmpty()) {
      log.debug("peer {} asked for chunk {}, which this node does not hold", remoteId, digest.shortHex());
      refuse(r.getId(), Refuse.Reason.NOT_FOUND, "chunk " + digest.shortHex() + " is not held here");
      return;
    }
    peers.uploads().offer(new ChunkUpload(this, r.getId(), digest, file.get(), r.getOffset(), r.getLength(),
        peers.uploadListener()));
    peers.uploads().pump();
  }

  void refuse(long id, Refuse.Reason reason, String message) {
    channel.writeAndFlush(Refuse.newBuilder().setId(id).setReason(reason).setMessage(message).build());
  }

  // --- Netty ------------------------------------------------------------------------------------

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof DataBytes d) {
        onDataBytes(d);
        msg = null; // ownership passed on
      } else if (msg instanceof DataStart s) {
        onDataStart(ctx, s);
      } else if (msg instanceof ChunkRequest r) {
        onRequest(r);
      } else if (msg instanceof Cancel c) {
        peers.uploads().cancel(remoteId, c.getId());
      } else if (msg instanceof Refuse r) {
        onRefuse(r);
      } else if (msg instanceof Have h) {
        onHave(ctx, h.getModel(), h.getChunksList(), true);
      } else if (msg instanceof Dropped d) {
        onHave(ctx, d.getModel(), d.getChunksList(), false);
      } else if (msg instanceof Bitfield b) {
        onBitfield(ctx, b);
      } else if (!(msg instanceof Wire.KeepAlive)) {
        violation(ctx, "sent " + Handshake.describe(msg) + " after the handshake");
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      peers.uploads().pump();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent idle) {
      if (idle.state() == IdleState.READER_IDLE) {
        log.warn("peer {} at {}: nothing received for {} ms, closing", remoteId, channel.remoteAddress(),
            peers.config().idleTimeout().toMillis());
        ctx.close();
      } else if (idle.state() == IdleState.WRITER_IDLE) {
        ctx.writeAndFlush(Wire.KeepAlive.INSTANCE);
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    peers.disconnected(this);
    PeerFetchException gone = new PeerFetchException(PeerFetchException.Reason.DISCONNECTED,
        "peer " + remoteId + " disconnected");
    for (Transfer t : requests.values()) {
      t.fail(gone);
    }
    requests.clear();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    violation(ctx, cause.getMessage() == null ? cause.toString() : cause.getMessage());
  }

  private void violation(ChannelHandlerContext ctx, String what) {
    if (channel.isOpen()) {
      log.warn("peer {} at {}: {}; closing the connection", remoteId, channel.remoteAddress(), what);
      ctx.close();
    }
  }

  @Override
  public String toString() {
    return "peer " + remoteId + " at " + channel.remoteAddress();
  }

  /** A copy of what the peer announced of {@code model}, or null if nothing. */
  synchronized BitSet holdings(Digest model) {
    BitSet bits = holdings.get(model);
    return bits == null ? null : (BitSet) bits.clone();
  }

  /** Read access for tests and status. */
  synchronized Set<Digest> models() {
    return new HashSet<>(holdings.keySet());
  }
}
