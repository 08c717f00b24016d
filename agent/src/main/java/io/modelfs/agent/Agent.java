package io.modelfs.agent;

import io.modelfs.agent.control.ControlServer;
import io.modelfs.agent.k8s.NodeLabels;
import io.modelfs.fuse.FuseMount;
import io.modelfs.origin.ManifestStore;
import io.modelfs.origin.Origins;
import io.modelfs.store.ChunkStore;
import io.modelfs.store.FileChunkStore;
import io.modelfs.tracker.TrackerClient;
import io.modelfs.tracker.TrackerClients;
import io.modelfs.tracker.TrackerPeers;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's agent: the chunk store, the catalog of models, the FUSE mount and the control
 * socket, started in that order and closed in reverse. Wiring only; the logic is in the
 * modules.
 */
public final class Agent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Agent.class);

  private final AgentConfig config;
  private final ChunkStore store;
  private final AgentCatalog catalog;
  private final FuseMount mount;
  private final ControlServer control;
  private final SwarmLink swarm;
  private final FetchDriver driver;
  private final Telemetry telemetry;
  private final Puller puller;
  private volatile NodeLabels nodeLabels = NodeLabels.disabled();

  private Agent(AgentConfig config, ChunkStore store, AgentCatalog catalog, FuseMount mount, ControlServer control,
      SwarmLink swarm, FetchDriver driver, Telemetry telemetry, Puller puller) {
    this.driver = driver;
    this.puller = puller;
    this.swarm = swarm;
    this.telemetry = telemetry;
    this.config = config;
    this.store = store;
    this.catalog = catalog;
    this.mount = mount;
    this.control = control;
  }

  /** Starts everything without a swarm; on failure closes what was started and throws. */
  public static Agent start(AgentConfig config) throws IOException {
    return start(config, SwarmSettings.none());
  }

  /** Starts everything, joining the swarm as {@code swarmSettings} say; on failure closes what was started and throws. */
  public static Agent start(AgentConfig config, SwarmSettings swarmSettings) throws IOException {
    return start(config, swarmSettings, SecuritySettings.none());
  }

  /**
   * As above, with the control socket's group and the manifest signing key of {@code security};
   * warns loudly when the node joins a swarm without TLS (the swarm key is then its only guard).
   */
  public static Agent start(AgentConfig config, SwarmSettings swarmSettings, SecuritySettings security) throws IOException {
    if (swarmSettings.enabled() && swarmSettings.tls() == null) {
      log.warn("SECURITY: the swarm runs without TLS: peers prove only that they hold the swarm key, node ids are"
          + " not authenticated and chunk traffic (and tracker traffic) is unencrypted; give --tls-cert, --tls-key"
          + " and --tls-ca to turn mutual TLS on");
    }
    if (config.manifests().isEmpty() && swarmSettings.trackers().isEmpty()) {
      throw new IllegalArgumentException(
          "the agent needs a manifests location (--manifests URI) or a tracker (--tracker ID=HOST:PORT,...) to find models");
    }
    List<ManifestStore> locations = new ArrayList<>();
    for (String uri : config.manifests()) {
      locations.add(new ManifestStore(Origins.open(uri, config.origins())));
    }
    ChunkStore store = FileChunkStore.open(config.storeConfig());
    TrackerClient tracker = swarmSettings.trackers().isEmpty() ? null : TrackerClients.connect(trackerPeers(swarmSettings),
        io.modelfs.tracker.TrackerClientConfig.defaults().withTls(swarmSettings.tls()));
    SwarmLink swarm;
    try {
      swarm = SwarmLink.start(swarmSettings, config.store(), store, tracker, capacity(config),
          config.scheduler().uploadSlots(), config.scheduler().uploadBytesPerSecond());
    } catch (IOException | RuntimeException e) {
      closeQuietly(tracker);
      closeQuietly(store);
      throw e;
    }
    // One fetch scheduler per agent, on its own thread; it runs without leases when there is no tracker.
    FetchDriver driver = new FetchDriver(swarmSettings.nodeId(), config.scheduler(), store, swarm);
    store.addEvictionListener((digest, size) -> driver.evicted(digest));
    AgentCatalog catalog = new AgentCatalog(locations, store, config, swarm, driver);
    catalog.requireSignatures(ManifestTrust.signedBy(security.manifestKey()));
    if (tracker != null) {
      catalog.useTracker(tracker);
    }
    Telemetry telemetry = Telemetry.start(config, catalog, store);
    observe(telemetry, swarm, swarmSettings, tracker);
    driver.useLeaseMetrics(telemetry.metrics().leases());
    telemetry.metrics().gauge("modelfs.leases.held", "Origin leases this node holds now (granted, not yet fetched"
        + " or given back)", driver, FetchDriver::leasesHeld);
    FuseMount mount = null;
    ControlServer control = null;
    try {
      mount = FuseMount.mount(config.mount(), catalog, config.mountConfig(), telemetry.fuseListener());
      Puller puller = new Puller(catalog, store);
      control = ControlServer.start(config.control(),
          telemetry.metered(new AgentControl(catalog, store, puller, config, telemetry::controlStatus)), security.controlGroup());
      telemetry.serveHttp();
      log.info("agent serving {} (store {}, control {}, http {})", config.mount(), config.store(), config.control(),
          telemetry.httpAddress() == null ? "off" : telemetry.httpAddress());
      return new Agent(config, store, catalog, mount, control, swarm, driver, telemetry, puller);
    } catch (IOException | RuntimeException e) {
      closeQuietly(telemetry);
      closeQuietly(control);
      closeQuietly(mount);
      closeQuietly(driver);
      closeQuietly(swarm);
      catalog.close();
      closeQuietly(store);
      throw e;
    }
  }

  public AgentConfig config() {
    return config;
  }

  /** The chunk store's counts. */
  public ChunkStore.StoreStats storeStats() {
    return store.stats();
  }

  /**
   * Keeps this node's Kubernetes labels in step with the models it holds whole (see
   * {@link NodeLabels}): labelled when a model is whole locally — after a pull, when reads have
   * fetched every chunk, or when a model opened after a restart is found whole in the store —
   * and unlabelled when a chunk is evicted.
   * Call once, right after {@link #start}; the agent closes {@code labels}.
   */
  public void labelNode(NodeLabels labels) {
    nodeLabels = labels;
    if (labels.enabled()) {
      store.addEvictionListener(labels::evicted);
      puller.onComplete(labels::modelLocal);
      driver.onModelLocal(labels::modelLocal); // whole by reads, or found whole when opened after a restart
    }
  }

  /** What the fetch scheduler did so far (null if it did not answer within a second). */
  public io.modelfs.schedule.SwarmScheduler.Stats schedulerStats() {
    return driver.stats();
  }

  /** The bound peer address, or null when the agent runs without a swarm. */
  public java.net.InetSocketAddress peerAddress() {
    return swarm.address();
  }

  /** Node ids of the peers connected now (empty without a swarm). */
  public List<String> peers() {
    return swarm.connected();
  }

  /** What each connected peer announced of {@code model} (empty without a swarm). */
  java.util.Map<String, java.util.BitSet> peerHoldings(io.modelfs.core.Digest model) {
    return swarm.peerHoldings(model);
  }

  /** The bound address of the HTTP endpoints (metrics, health, API, dashboard), or null if not serving HTTP. */
  public java.net.InetSocketAddress httpAddress() {
    return telemetry.httpAddress();
  }

  /** Unmounts, stops the HTTP endpoints and the control socket, leaves the swarm and closes the store. */
  @Override
  public void close() {
    nodeLabels.close();
    closeQuietly(telemetry);
    closeQuietly(control);
    closeQuietly(mount);
    closeQuietly(driver);
    closeQuietly(swarm);
    catalog.close();
    closeQuietly(store);
    log.info("agent stopped; {} unmounted", config.mount());
  }

  /** Observability (issue 10): uploads to peers counted, the node named by its swarm id, the swarm view from the tracker, this node's traffic reported to it. */
  private static void observe(Telemetry telemetry, SwarmLink swarm, SwarmSettings settings, TrackerClient tracker) {
    swarm.onUpload((peer, bytes) -> telemetry.metrics().uploaded(bytes));
    telemetry.metrics().gauge("modelfs.peers.connected", "Peers connected now", swarm, s -> s.connected().size());
    if (settings.enabled() || tracker != null) {
      telemetry.nodeId(settings.nodeId());
    }
    TrackerLink link = swarm.tracker();
    if (tracker != null) {
      telemetry.useTracker(tracker, trackerPeers(settings).toString(), link == null ? null : link::connected);
    }
    if (link != null) {
      link.reportTraffic(telemetry.metrics()::traffic); // the swarm's throughput and origin saving, on the leader
    }
  }

  /** The store's capacity as the tracker records it: the budget, or the size of its disk. */
  private static long capacity(AgentConfig config) throws IOException {
    if (config.storeBudget() != io.modelfs.store.StoreConfig.UNLIMITED) {
      return config.storeBudget();
    }
    java.nio.file.Path dir = config.store();
    while (dir != null && !java.nio.file.Files.exists(dir)) {
      dir = dir.getParent();
    }
    return dir == null ? 0 : java.nio.file.Files.getFileStore(dir).getTotalSpace();
  }

  private static TrackerPeers trackerPeers(SwarmSettings s) {
    List<TrackerPeers.Peer> peers = new ArrayList<>();
    s.trackers().forEach((id, a) -> peers.add(new TrackerPeers.Peer(id, a.getHostString(), a.getPort())));
    return new TrackerPeers(peers);
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      log.warn("closing {}: {}", c.getClass().getSimpleName(), e.toString());
    }
  }
}
