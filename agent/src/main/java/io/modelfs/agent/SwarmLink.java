package io.modelfs.agent;

import io.modelfs.agent.metrics.FetchMetrics;
import io.modelfs.agent.metrics.MeteredLoads;
import io.modelfs.agent.metrics.Source;
import io.modelfs.core.ChunkRef;
import io.modelfs.core.FileEntry;
import io.modelfs.core.Manifest;
import io.modelfs.core.ModelRef;
import io.modelfs.p2p.PeerConfig;
import io.modelfs.p2p.PeerDirectory;
import io.modelfs.p2p.PeerFetcher;
import io.modelfs.p2p.Swarm;
import io.modelfs.p2p.SwarmKey;
import io.modelfs.store.ChunkStore;
import io.modelfs.store.ChunkVerificationException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of the swarm: starts the node's {@link Swarm} from {@link SwarmSettings},
 * dials the static peers, announces each opened model's holdings and every chunk verified since,
 * and turns "fetch this chunk from peers" into a store load whose bytes the store verifies. A
 * chunk that fails verification bans every peer that sent bytes of it; the caller then falls
 * back to the origin. Without a swarm ({@link #NONE}) every method does nothing.
 */
class SwarmLink implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SwarmLink.class);
  private static final Duration REDIAL = Duration.ofSeconds(2);
  private static final int PEERS_PER_CHUNK = 3;

  static final SwarmLink NONE = new SwarmLink(null, null);

  private final Swarm swarm;
  private final PeerFetcher fetcher;

  private SwarmLink(Swarm swarm, PeerFetcher fetcher) {
    this.swarm = swarm;
    this.fetcher = fetcher;
  }

  /** Starts the swarm endpoint, or returns {@link #NONE} when the settings have no listen address. */
  static SwarmLink start(SwarmSettings settings, java.nio.file.Path storeRoot, ChunkStore store) throws IOException {
    if (!settings.enabled()) {
      return NONE;
    }
    InetSocketAddress listen = new InetSocketAddress(settings.listen().getHostString(), settings.listen().getPort());
    PeerConfig config = PeerConfig.of(settings.nodeId(), listen, SwarmKey.read(settings.swarmKeyFile()));
    Swarm swarm = Swarm.start(config, new StoreChunkFiles(storeRoot, store));
    List<InetSocketAddress> peers = settings.peers().stream()
        .map(a -> new InetSocketAddress(a.getHostString(), a.getPort())).toList();
    if (!peers.isEmpty()) {
      swarm.follow(PeerDirectory.of(peers), REDIAL);
    }
    if (!settings.trackers().isEmpty()) {
      log.info("trackers {} resolve manifests; neighbours still come only from --peer (the tracker's neighbour"
          + " lists and announcements are not wired into the agent yet)", settings.trackers().keySet());
    }
    return new SwarmLink(swarm, new PeerFetcher(swarm, PEERS_PER_CHUNK));
  }

  /** The peer address actually bound, or null without a swarm. */
  InetSocketAddress address() {
    return swarm == null ? null : swarm.address();
  }

  /** Node ids of the peers connected now (empty without a swarm). */
  List<String> connected() {
    return swarm == null ? List.of() : swarm.connected();
  }

  /** Announces what the store holds of a model that was just opened; returns its peer view. */
  ModelPeers opened(ModelRef ref, Manifest manifest, ChunkStore store) {
    if (swarm == null) {
      return ModelPeers.NONE;
    }
    Map<String, Integer> first = new HashMap<>();
    BitSet held = new BitSet();
    int index = 0;
    for (FileEntry f : manifest.files()) {
      first.put(f.path(), index);
      for (var d : f.chunks()) {
        if (store.contains(d)) {
          held.set(index);
        }
        index++;
      }
    }
    swarm.holdings(ref.digest(), index, held);
    return new ModelPeers(this, ref, first);
  }

  /**
   * Loads chunk {@code index} of {@code model} from peers through the store (which verifies it),
   * or returns null if no connected peer announced it.
   */
  CompletableFuture<Void> fetch(ChunkStore store, ModelRef model, int index, ChunkRef chunk, ChunkStore.Priority priority,
      FetchMetrics metrics) {
    if (swarm == null) {
      return null;
    }
    List<String> holders = swarm.holders(model.digest(), index);
    if (holders.isEmpty()) {
      return null;
    }
    List<String> contributors = new CopyOnWriteArrayList<>();
    return MeteredLoads.ensure(store, chunk, priority, "peers " + holders, Source.PEER,
            (c, sink) -> fetcher.fetch(model.digest(), index, c, sink, contributors), metrics, Clock.systemUTC())
        .whenComplete((v, e) -> {
          Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          if (cause instanceof ChunkVerificationException) {
            for (String peer : contributors) {
              swarm.penalise(peer, "sent bytes of chunk " + index + " of " + model + ": " + cause.getMessage());
            }
          }
        });
  }

  void verified(ModelRef model, int index) {
    if (swarm != null) {
      swarm.have(model.digest(), index);
    }
  }

  @Override
  public void close() {
    if (swarm != null) {
      swarm.close();
    }
  }
}
