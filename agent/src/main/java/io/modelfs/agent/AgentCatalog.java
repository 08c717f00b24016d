package io.modelfs.agent;

import io.modelfs.agent.metrics.FetchMetrics;
import io.modelfs.core.ManifestTrustException;
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
  private final FetchDriver driver;
  private final ConcurrentMap<String, Origin> origins = ModelLoader.newOriginCache();
  private final Map<ModelRef, StoredModel> open = new ConcurrentHashMap<>();
  private volatile TrackerManifests tracker;
  private volatile ManifestTrust trust = ManifestTrust.ANY;
  private volatile TrackerClient trackerClient;
  private volatile FetchMetrics metrics = FetchMetrics.NONE;
  /** Refs published to the tracker (or being published) by this agent. */
  private final java.util.Set<ModelRef> published = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.ExecutorService publisher = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "manifest-publisher");
    t.setDaemon(true);
    return t;
  });

  /** Opens models into {@code driver}, which fetches their chunks, announcing them through {@code swarm}. */
  AgentCatalog(List<ManifestStore> locations, ChunkStore store, AgentConfig config, SwarmLink swarm, FetchDriver driver) {
    this.locations = List.copyOf(locations);
    this.store = store;
    this.config = config;
    this.swarm = swarm;
    this.driver = driver;
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
          trusted(ref, f.signature(), "the tracker"); // without one from the tracker, a location's .sig may do
          return Optional.of(opened(new ManifestStore.Found(ref, f.manifest(), f.sources()), "the tracker"));
        }
      } catch (TrackerException e) {
        log.warn("tracker could not resolve {} ({}); trying the manifests locations", ref, e.getMessage());
      }
    }
    for (ManifestStore location : locations) {
      Optional<ManifestStore.Found> found = location.find(ref);
      if (found.isPresent()) {
        String where = location.location().uri().toString();
        trusted(ref, trust.requiresSignature() ? location.signature(ref).orElse(null) : null, where);
        StoredModel opened = opened(found.get(), where);
        publish(found.get(), location);
        return Optional.of(opened);
      }
    }
    return Optional.empty();
  }

  /**
   * The ref the tracker's {@code NAME[:TAG]} points at now; empty without a tracker or if it
   * knows no such name. Throws an IOException naming the name when the tracker cannot be asked
   * or refuses the name.
   */
  @Override
  public Optional<ModelRef> resolveName(String nameTag) throws IOException {
    TrackerManifests t = tracker;
    if (t == null) {
      return Optional.empty();
    }
    try {
      return t.resolve(nameTag);
    } catch (TrackerException e) {
      throw new IOException("the tracker could not resolve '" + nameTag + "': " + e.getMessage(), e);
    }
  }

  /** True if names ({@code NAME:TAG}) can be resolved: the agent has a tracker. */
  boolean resolvesNames() {
    return tracker != null;
  }

  /**
   * Checks the signature of a manifest found at {@code where} ({@code signature}: its .sig bytes,
   * null if it came without one; a tracker's manifest may have its .sig in a manifests location).
   * A refused model is not opened: the error names the ref and why, for the mount's log and pull.
   */
  private void trusted(ModelRef ref, byte[] signature, String where) throws IOException {
    if (!trust.requiresSignature()) {
      return;
    }
    byte[] sig = signature;
    String from = where;
    for (int i = 0; sig == null && i < locations.size(); i++) {
      sig = locations.get(i).signature(ref).orElse(null);
      from = locations.get(i).location().uri().toString();
    }
    try {
      trust.check(ref, sig, sig == null ? where + (locations.isEmpty() ? "" : " or the manifests locations") : from);
    } catch (ManifestTrustException e) {
      log.warn("refusing model {}: {}", ref, e.getMessage());
      throw e;
    }
  }

  /**
   * Tells the tracker of a model this agent opened from a manifests location, so that its peers
   * (and agents without that location) can resolve it too: once per ref, on a background thread
   * (an open never waits for the tracker), with the location's {@code .sig} if it has one. The
   * manifest is re-encoded and published only if the bytes hash to the ref. A failure is logged
   * with the ref and the reason, never fatal: the model is served either way.
   */
  private void publish(ManifestStore.Found f, ManifestStore location) {
    TrackerClient t = trackerClient;
    if (t == null || !published.add(f.ref())) {
      return;
    }
    try {
      publisher.execute(() -> {
        ModelRef ref = f.ref();
        try {
          byte[] manifest = io.modelfs.core.ManifestCodec.encode(f.manifest());
          if (!io.modelfs.core.Digest.sha256(manifest).equals(ref.digest())) {
            log.warn("not publishing {} to the tracker: its manifest does not re-encode to the bytes of the ref", ref);
            return;
          }
          byte[] signature = location.signature(ref).orElse(null);
          t.publish(ref, manifest, io.modelfs.core.ManifestCodec.encodeSources(f.sources()), signature);
          log.info("published {} (opened from {}) to the tracker", ref, location.location().uri());
        } catch (IOException | RuntimeException e) {
          log.warn("could not publish {} to the tracker (peers without a manifests location will not find it): {}",
              ref, e.getMessage());
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      log.debug("not publishing {}: the agent is stopping", f.ref());
    }
  }

  /** Opens only manifests this trust accepts; set once, at wiring. */
  void requireSignatures(ManifestTrust trust) {
    this.trust = trust;
  }

  /**
   * Resolves refs through the tracker before the manifests locations; set once, at wiring. The
   * catalog closes the client when it closes.
   */
  void useTracker(TrackerClient client) {
    this.trackerClient = client;
    this.tracker = new TrackerManifests(client);
  }

  private synchronized StoredModel opened(ManifestStore.Found f, String from) {
    ModelRef ref = f.ref();
    StoredModel known = open.get(ref);
    if (known != null) {
      return known;
    }
    ModelLoader loader = new ModelLoader(store, f.sources(), f.manifest().chunkSize(), config.originAttempts(), origins,
        config.origins());
    loader.useMetrics(metrics);
    ModelChunks chunks = new ModelChunks(ref, f.manifest());
    swarm.opened(chunks, store);
    driver.open(chunks, loader);
    StoredModel fresh = new StoredModel(chunks, store, driver, metrics, config.readTimeout());
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
    driver.useMetrics(metrics);
  }

  List<ModelRef> openRefs() {
    return new ArrayList<>(open.keySet());
  }

  Duration readTimeout() {
    return config.readTimeout();
  }

  void close() {
    publisher.shutdownNow();
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
