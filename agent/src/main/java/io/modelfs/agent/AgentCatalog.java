package io.modelfs.agent;

import io.modelfs.agent.metrics.FetchMetrics;
import io.modelfs.core.ModelRef;
import io.modelfs.fuse.ModelCatalog;
import io.modelfs.fuse.ModelContent;
import io.modelfs.origin.ManifestStore;
import io.modelfs.origin.Origin;
import io.modelfs.store.ChunkStore;
import io.modelfs.tracker.TrackerClient;
import io.modelfs.tracker.TrackerException;
import io.modelfs.tracker.TrackerManifests;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves refs for the mount and for {@code pull}: the manifest locations in order, the first
 * that has the ref wins, and the model stays open for the agent's life (a manifest never
 * changes).
 */
final class AgentCatalog implements ModelCatalog {
  private static final Logger log = LoggerFactory.getLogger(AgentCatalog.class);

  private final List<ManifestStore> locations;
  private final ChunkStore store;
  private final AgentConfig config;
  private final SwarmLink swarm;
  private final ConcurrentMap<String, Origin> origins = ModelLoader.newOriginCache();
  private final Map<ModelRef, StoredModel> open = new ConcurrentHashMap<>();
  private volatile TrackerManifests tracker;
  private volatile TrackerClient trackerClient;
  private volatile FetchMetrics metrics = FetchMetrics.NONE;

  AgentCatalog(List<ManifestStore> locations, ChunkStore store, AgentConfig config) {
    this(locations, store, config, SwarmLink.NONE);
  }

  /** As above, fetching from and announcing to the swarm through {@code swarm}. */
  AgentCatalog(List<ManifestStore> locations, ChunkStore store, AgentConfig config, SwarmLink swarm) {
    this.locations = List.copyOf(locations);
    this.store = store;
    this.config = config;
    this.swarm = swarm;
  }

  @Override
  public Optional<ModelContent> open(ModelRef ref) throws IOException {
    return model(ref).map(m -> m);
  }

  Optional<StoredModel> model(ModelRef ref) throws IOException {
    StoredModel m = open.get(ref);
    if (m != null) {
      return Optional.of(m);
    }
    TrackerManifests t = tracker;
    if (t != null) {
      try {
        Optional<TrackerManifests.Found> found = t.find(ref);
        if (found.isPresent()) {
          TrackerManifests.Found f = found.get();
          return Optional.of(opened(new ManifestStore.Found(ref, f.manifest(), f.sources()), "the tracker"));
        }
      } catch (TrackerException e) {
        log.warn("tracker could not resolve {} ({}); trying the manifests locations", ref, e.getMessage());
      }
    }
    for (ManifestStore location : locations) {
      Optional<ManifestStore.Found> found = location.find(ref);
      if (found.isPresent()) {
        return Optional.of(opened(found.get(), location.location().uri().toString()));
      }
    }
    return Optional.empty();
  }

  /**
   * Resolves refs through the tracker before the manifests locations; set once, at wiring. The
   * catalog closes the client when it closes.
   */
  void useTracker(TrackerClient client) {
    this.trackerClient = client;
    this.tracker = new TrackerManifests(client);
  }

  private StoredModel opened(ManifestStore.Found f, String from) {
    ModelRef ref = f.ref();
    ModelLoader loader = new ModelLoader(store, f.sources(), f.manifest().chunkSize(), config.originAttempts(), origins,
        config.origins());
    loader.useMetrics(metrics);
    loader.usePeers(swarm.opened(ref, f.manifest(), store));
    StoredModel fresh = new StoredModel(ref, f.manifest(), store, loader, config.readTimeout());
    StoredModel raced = open.putIfAbsent(ref, fresh);
    if (raced == null) {
      log.info("model {} opened from {}: {} files, {} chunks", ref, from,
          f.manifest().files().size(), f.manifest().totalChunks());
    }
    return raced == null ? fresh : raced;
  }

  /** Where the loaders of models opened from now on record fetches; set once, at wiring. */
  void useMetrics(FetchMetrics metrics) {
    this.metrics = metrics;
  }

  List<ModelRef> openRefs() {
    return new ArrayList<>(open.keySet());
  }

  Duration readTimeout() {
    return config.readTimeout();
  }

  void close() {
    TrackerClient t = trackerClient;
    if (t != null) {
      try {
        t.close();
      } catch (Exception e) {
        log.warn("closing the tracker client: {}", e.toString());
      }
    }
    for (Origin o : origins.values()) {
      try {
        o.close();
      } catch (Exception e) {
        log.warn("closing origin {}: {}", o.uri(), e.toString());
      }
    }
  }
}
