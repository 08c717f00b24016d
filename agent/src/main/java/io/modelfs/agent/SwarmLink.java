package io.modelfs.agent;

import io.modelfs.core.ChunkRef;
import io.modelfs.core.Digest;
import io.modelfs.p2p.PeerConfig;
import io.modelfs.p2p.PeerDirectory;
import io.modelfs.p2p.PeerFetchException;
import io.modelfs.p2p.SwarmListener;
import io.modelfs.p2p.Swarm;
import io.modelfs.p2p.SwarmKey;
import io.modelfs.store.ChunkStore;
import io.modelfs.tracker.TrackerClient;
import io.modelfs.tracker.TrackerSession;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of the swarm: starts the node's {@link Swarm} from {@link SwarmSettings},
 * dials the static peers and (with a tracker, through {@link TrackerLink}) registers and dials the
 * tracker's neighbours; announces each opened model's holdings, every chunk verified since (HAVE)
 * and every chunk the store evicts (DROPPED), to peers and the tracker; and gives the
 * {@link FetchDriver} what it needs of the swarm: blocking chunk fetches from one peer, bans,
 * peers' holdings and their news. Without a swarm ({@link #NONE}) it announces nothing, knows no
 * peer and refuses fetches.
 */
class SwarmLink implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SwarmLink.class);
  private static final Duration REDIAL = Duration.ofSeconds(2);

  static final SwarmLink NONE = new SwarmLink(null);

  private final Swarm swarm;
  private final Map<Digest, ModelChunks> models = new ConcurrentHashMap<>();
  private volatile TrackerLink tracker;

  private SwarmLink(Swarm swarm) {
    this.swarm = swarm;
  }

  /**
   * Starts the swarm endpoint, or returns {@link #NONE} when the settings have no listen address.
   * With {@code tracker} (null: none) the node registers, announces and gets neighbours there.
   *
   * @param capacityBytes the store's capacity, registered with the tracker
   * @param uploadSlots chunks uploaded to peers at once (the scheduler settings' upload cap)
   * @param uploadBytesPerSecond upload rate cap, all peers together (0 = none)
   */
  static SwarmLink start(SwarmSettings settings, java.nio.file.Path storeRoot, ChunkStore store, TrackerClient tracker,
      long capacityBytes, int uploadSlots, long uploadBytesPerSecond) throws IOException {
    if (!settings.enabled()) {
      return NONE;
    }
    InetSocketAddress listen = new InetSocketAddress(settings.listen().getHostString(), settings.listen().getPort());
    PeerConfig defaults = PeerConfig.of(settings.nodeId(), listen, SwarmKey.read(settings.swarmKeyFile()));
    PeerConfig config = defaults.withUploadSlots(uploadSlots, Math.min(uploadSlots, defaults.uploadSlotsPerPeer()))
        .withTls(settings.tls()).withUploadRate(uploadBytesPerSecond);
    StoreChunkFiles files = new StoreChunkFiles(storeRoot, store);
    Swarm swarm = Swarm.start(config, files);
    SwarmLink link = new SwarmLink(swarm);
    // Authorisation: peers get chunks of the models this node serves, never arbitrary digests.
    files.serveOnly(link::serves);
    List<InetSocketAddress> peers = settings.peers().stream()
        .map(a -> new InetSocketAddress(a.getHostString(), a.getPort())).toList();
    PeerDirectory directory = PeerDirectory.of(peers);
    if (tracker != null) {
      TrackerSession.Identity self = new TrackerSession.Identity(settings.nodeId(), advertised(swarm.address()),
          settings.zone(), capacityBytes);
      link.tracker = TrackerLink.start(tracker, self, link::served);
      TrackerNeighbours fromTracker = link.tracker.neighbours();
      directory = () -> {
        List<InetSocketAddress> all = new ArrayList<>(peers);
        all.addAll(fromTracker.neighbours());
        return all;
      };
      log.info("node {} registers with trackers {} as {} (zone '{}')", settings.nodeId(), settings.trackers().keySet(),
          self.peerAddress(), settings.zone());
    }
    if (!peers.isEmpty() || tracker != null) {
      swarm.follow(directory, REDIAL);
    }
    store.addEvictionListener(link::evicted);
    return link;
  }

  /** The address peers reach this node at: the bound one, or this host's address if bound to all interfaces. */
  private static String advertised(InetSocketAddress bound) throws IOException {
    String host = bound.getAddress().isAnyLocalAddress()
        ? java.net.InetAddress.getLocalHost().getHostAddress()
        : bound.getAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort();
  }

  /** The peer address actually bound, or null without a swarm. */
  InetSocketAddress address() {
    return swarm == null ? null : swarm.address();
  }

  /** Node ids of the peers connected now (empty without a swarm). */
  List<String> connected() {
    return swarm == null ? List.of() : swarm.connected();
  }

  /** Announces what the store holds of a model that was just opened, to peers and the tracker. */
  void opened(ModelChunks chunks, ChunkStore store) {
    if (swarm == null) {
      return;
    }
    models.put(chunks.model(), chunks);
    BitSet held = chunks.held(store);
    swarm.holdings(chunks.model(), chunks.count(), held);
    TrackerLink t = tracker;
    if (t != null) {
      t.holding(chunks.model(), chunks.count(), held);
    }
  }

  /** True if {@code chunk} belongs to a model this node serves (has opened and announces). */
  boolean serves(Digest chunk) {
    for (ModelChunks m : models.values()) {
      if (m.indices(chunk).length > 0) {
        return true;
      }
    }
    return false;
  }

  /** The models this node serves (announced to peers and the tracker). */
  Collection<Digest> served() {
    return List.copyOf(models.keySet());
  }

  /**
   * The store no longer holds {@code digest} (eviction, gc, verify): DROPPED for every index of
   * every served model that is that chunk, to peers and the tracker. On the evicting thread; quick.
   */
  void evicted(Digest digest, long size) {
    for (ModelChunks m : models.values()) {
      for (int index : m.indices(digest)) {
        swarm.dropped(m.model(), index);
        TrackerLink t = tracker;
        if (t != null) {
          t.dropped(m.model(), index);
        }
      }
    }
  }

  /**
   * Fetches the whole of {@code chunk} from {@code peer} into {@code sink}, blocking the calling
   * (store fetch) thread while the bytes stream in. Throws {@link io.modelfs.p2p.PeerFetchException}
   * (busy, not found, stalled, disconnected) or the sink's IOException.
   */
  void fetch(String peer, ChunkRef chunk, WritableByteChannel sink) throws IOException {
    if (swarm == null) {
      throw new PeerFetchException(PeerFetchException.Reason.DISCONNECTED, "no swarm: cannot ask peer " + peer);
    }
    swarm.fetch(peer, chunk, 0, chunk.size(), sink);
  }

  /** {@code peer} sent bytes that failed verification: disconnect and ban it. */
  void penalise(String peer, String reason) {
    if (swarm != null) {
      swarm.penalise(peer, reason);
    }
  }

  /** Tells {@code listener} about peers and their holdings (nothing without a swarm). */
  void listen(SwarmListener listener) {
    if (swarm != null) {
      swarm.listen(listener);
    }
  }

  /** What each connected peer announced of {@code model}. */
  Map<String, BitSet> peerHoldings(Digest model) {
    return swarm == null ? Map.of() : swarm.peerHoldings(model);
  }

  /** This node verified chunk {@code index} of {@code model}: HAVE to peers and the tracker. */
  void verified(Digest model, int index) {
    if (swarm != null) {
      swarm.have(model, index);
      TrackerLink t = tracker;
      if (t != null) {
        t.have(model, index);
      }
    }
  }

  /** The tracker session, or null without a tracker. */
  TrackerLink tracker() {
    return tracker;
  }

  @Override
  public void close() {
    TrackerLink t = tracker;
    if (t != null) {
      t.close();
    }
    if (swarm != null) {
      swarm.close();
    }
  }

  // --- Observability (issue 10)

  /** Tells {@code listener} about every upload to a peer that completes; nothing without a swarm. */
  void onUpload(io.modelfs.p2p.UploadListener listener) {
    if (swarm != null) {
      swarm.onUpload(listener);
    }
  }
}
