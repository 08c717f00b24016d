package io.modelfs.p2p;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.WritableByteChannel;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's endpoint in the swarm: accepts and dials peers, announces what this node holds,
 * knows what each connected peer holds, uploads chunks from the {@link ChunkSource} and fetches
 * chunks from peers into a caller's sink.
 *
 * <p>Thread-safety: every method may be called from any thread. {@link #fetch} blocks the
 * caller (the store's fetch thread) while the bytes stream in.
 *
 * <p>Error contract: {@link #fetch} throws {@link PeerFetchException} (refused, timed out,
 * disconnected) or the sink's IOException; nothing else escapes. Hostile or broken peers never
 * throw into the caller: their connection is closed and logged.
 */
public final class Swarm implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Swarm.class);

  private final PeerConfig config;
  private final Peers peers;
  private final EventLoopGroup group;
  private final Channel server;
  private final Bootstrap dialer;
  private final ReceiveBuffers receiveBuffers;
  private final Set<InetSocketAddress> dialling = ConcurrentHashMap.newKeySet();
  private final Map<InetSocketAddress, String> dialled = new ConcurrentHashMap<>();

  private Swarm(PeerConfig config, Peers peers, EventLoopGroup group, Channel server, ReceiveBuffers receiveBuffers) {
    this.config = config;
    this.receiveBuffers = receiveBuffers;
    this.peers = peers;
    this.group = group;
    this.server = server;
    this.dialer = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.handshakeTimeout().toMillis())
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
        .option(ChannelOption.RCVBUF_ALLOCATOR, receiveBuffers)
        .handler(new PeerPipeline(peers, true));
    long every = config.announceInterval().toMillis();
    group.scheduleAtFixedRate(this::announce, every, every, TimeUnit.MILLISECONDS);
  }

  /** Outbound bytes queued per connection before it counts as not writable (backpressure on uploads). */
  private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(1 << 20, 4 << 20);

  /** Binds {@code config.listen()} and starts; throws an IOException naming the address if it cannot. */
  public static Swarm start(PeerConfig config, ChunkSource source) throws IOException {
    return start(config, source, Clock.systemUTC());
  }

  public static Swarm start(PeerConfig config, ChunkSource source, Clock clock) throws IOException {
    Peers peers = new Peers(config, source, clock, config.tls() == null ? null : PeerTls.load(config.tls()));
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    // Reads go into recycled slabs; as many are kept idle as one connection may fill.
    ReceiveBuffers receiveBuffers = new ReceiveBuffers(Math.max(4, config.receiveBuffer() / ReceiveBuffers.SLAB));
    try {
      ChannelFuture bound = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
          .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
          .childOption(ChannelOption.RCVBUF_ALLOCATOR, receiveBuffers)
          .childHandler(new PeerPipeline(peers, false))
          .bind(config.listen()).awaitUninterruptibly();
      if (!bound.isSuccess()) {
        throw new IOException("cannot listen for peers on " + config.listen() + ": " + bound.cause().getMessage(),
            bound.cause());
      }
      Swarm s = new Swarm(config, peers, group, bound.channel(), receiveBuffers);
      log.info("node {} listening for peers on {} ({})", config.nodeId(), s.address(), config.tls() == null
          ? "plain TCP, swarm key only" : "mutual TLS, CA " + config.tls().trustedCa());
      return s;
    } catch (IOException | RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  /** The bound peer address (the real port when the config asked for 0). */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  public String nodeId() {
    return config.nodeId();
  }

  /**
   * Dials {@code address}; the future completes with the peer's node id once it authenticated,
   * or exceptionally with an IOException naming the address.
   */
  public CompletableFuture<String> connect(InetSocketAddress address) {
    CompletableFuture<String> result = new CompletableFuture<>();
    dialer.connect(address).addListener((ChannelFuture f) -> {
      if (!f.isSuccess()) {
        result.completeExceptionally(new IOException("cannot connect to peer " + address + ": " + f.cause().getMessage()));
        return;
      }
      Channel ch = f.channel();
      ch.closeFuture().addListener(c -> {
        // A dial refused because the peer already dialled this node: remember whom the address
        // reaches, so that follow() does not re-dial it every round (16 nodes in a full mesh made
        // ~60 refused handshakes a second, and under load those timed out by the hundred).
        String id = ch.attr(PeerPipeline.REMOTE_ID).get();
        if (id != null && peers.session(id) != null) {
          dialled.putIfAbsent(address, id);
        }
        result.completeExceptionally(new IOException("peer " + address + " closed the connection during the handshake"));
      });
      ch.pipeline().addLast("connected", new io.netty.channel.ChannelInboundHandlerAdapter() {
        @Override
        public void handlerAdded(io.netty.channel.ChannelHandlerContext ctx) {
          watchSession(ch, address, result, 0);
        }
      });
    });
    return result;
  }

  private void watchSession(Channel ch, InetSocketAddress address, CompletableFuture<String> result, int tries) {
    PeerSession s = ch.pipeline().get(PeerSession.class);
    if (s != null) {
      dialled.put(address, s.remoteId());
      result.complete(s.remoteId());
    } else if (ch.isActive() && tries < 1000) {
      ch.eventLoop().schedule(() -> watchSession(ch, address, result, tries + 1), 10, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Keeps connections to the directory's neighbours: every {@code every}, dials each address that
   * has no live connection (a failed dial is retried on the next round).
   */
  public void follow(PeerDirectory directory, Duration every) {
    group.scheduleWithFixedDelay(() -> {
      for (InetSocketAddress a : directory.neighbours()) {
        String id = dialled.get(a);
        if ((id != null && peers.session(id) != null) || a.equals(address()) || !dialling.add(a)) {
          continue;
        }
        connect(a).whenComplete((peer, e) -> {
          dialling.remove(a);
          if (e != null) {
            log.debug("neighbour {}: {}", a, e.getMessage());
          }
        });
      }
    }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Sets this node's holdings of {@code model} and sends them to every peer at once. */
  public void holdings(Digest model, int chunkCount, BitSet held) {
    var bitfield = peers.announcer().holdings(model, chunkCount, held);
    for (PeerSession s : peers.sessions()) {
      s.channel().writeAndFlush(bitfield);
    }
  }

  /** This node verified chunk {@code index} of {@code model}; announced in the next batch. */
  public void have(Digest model, int index) {
    peers.announcer().have(model, index);
  }

  /** This node evicted chunk {@code index} of {@code model}; announced in the next batch. */
  public void dropped(Digest model, int index) {
    peers.announcer().dropped(model, index);
  }

  private void announce() {
    List<Object> batch = peers.announcer().drain();
    if (batch.isEmpty()) {
      return;
    }
    for (PeerSession s : peers.sessions()) {
      batch.forEach(s.channel()::write);
      s.channel().flush();
    }
  }

  /** Connected, unbanned peers that announced chunk {@code index} of {@code model}, least busy first. */
  public List<String> holders(Digest model, int index) {
    List<PeerSession> found = new ArrayList<>();
    for (PeerSession s : peers.sessions()) {
      if (s.channel().isActive() && !peers.banned(s.remoteId()) && s.holds(model, index)) {
        found.add(s);
      }
    }
    found.sort((a, b) -> Integer.compare(a.outstanding(), b.outstanding()));
    return found.stream().map(PeerSession::remoteId).toList();
  }

  /**
   * Tells {@code listener} about peers and their holdings from now on (replacing any earlier
   * listener); see {@link SwarmListener} for the threading contract.
   */
  public void listen(SwarmListener listener) {
    peers.listener(listener);
  }

  /** What each connected, unbanned peer announced of {@code model} (peers that announced nothing are left out). */
  public Map<String, BitSet> peerHoldings(Digest model) {
    Map<String, BitSet> out = new java.util.TreeMap<>();
    for (PeerSession s : peers.sessions()) {
      BitSet bits = s.channel().isActive() && !peers.banned(s.remoteId()) ? s.holdings(model) : null;
      if (bits != null) {
        out.put(s.remoteId(), bits);
      }
    }
    return out;
  }

  /** Node ids of the peers connected now. */
  public List<String> connected() {
    return peers.sessions().stream().filter(s -> s.channel().isActive()).map(PeerSession::remoteId).sorted().toList();
  }

  /**
   * Fetches bytes {@code [offset, offset + length)} of {@code chunk} from {@code peer} into
   * {@code sink}, blocking until they are all written. On failure the sink may hold a prefix of
   * the range (the caller can ask another peer for the rest).
   */
  public void fetch(String peer, ChunkRef chunk, long offset, int length, WritableByteChannel sink) throws IOException {
    String what = "chunk " + chunk.digest().shortHex() + " [" + offset + "+" + length + ") from peer " + peer;
    PeerSession s = peers.session(peer);
    if (s == null || !s.channel().isActive()) {
      throw new PeerFetchException(PeerFetchException.Reason.DISCONNECTED, what + ": not connected");
    }
    if (length < 1 || length > config.maxChunk() || offset < 0 || offset + length > chunk.size()) {
      throw new IllegalArgumentException(what + ": range outside the chunk of " + chunk.size() + " bytes");
    }
    Transfer t = s.request(chunk.digest(), offset, length, what);
    try {
      t.drainTo(sink, config.requestTimeout().toNanos());
    } finally {
      s.cancel(t);
    }
  }

  /**
   * A peer sent bytes that failed verification (or otherwise misbehaved): closes its connection
   * and refuses it for the configured ban duration, with a log line naming it and the reason.
   */
  public void penalise(String peer, String reason) {
    peers.ban(peer, reason);
  }

  /** Tells {@code listener} about every upload to a peer that completes (replacing any earlier one). */
  public void onUpload(UploadListener listener) {
    peers.uploadListener(listener);
  }

  /** Uploads running now (for status and tests). */
  public int activeUploads() {
    return peers.uploads().active();
  }

  /** Closes every connection and the listener and stops the event loops. */
  @Override
  public void close() {
    server.close().awaitUninterruptibly();
    for (PeerSession s : peers.sessions()) {
      s.channel().close();
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    receiveBuffers.close();
    log.info("node {} left the swarm", config.nodeId());
  }
}
