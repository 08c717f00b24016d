package io.modelfs.agent;

import io.modelfs.agent.control.ControlServer;
import io.modelfs.fuse.FuseMount;
import io.modelfs.fuse.MountConfig;
import io.modelfs.origin.ManifestStore;
import io.modelfs.origin.Origins;
import io.modelfs.store.ChunkStore;
import io.modelfs.store.FileChunkStore;
import io.modelfs.store.StoreConfig;
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

  private Agent(AgentConfig config, ChunkStore store, AgentCatalog catalog, FuseMount mount, ControlServer control) {
    this.config = config;
    this.store = store;
    this.catalog = catalog;
    this.mount = mount;
    this.control = control;
  }

  /** Starts everything; on failure closes what was started and throws. */
  public static Agent start(AgentConfig config) throws IOException {
    List<ManifestStore> locations = new ArrayList<>();
    for (String uri : config.manifests()) {
      locations.add(new ManifestStore(Origins.open(uri)));
    }
    ChunkStore store = FileChunkStore.open(StoreConfig.at(config.store()).withFetchThreads(config.fetchThreads()));
    AgentCatalog catalog = new AgentCatalog(locations, store, config);
    FuseMount mount = null;
    try {
      mount = FuseMount.mount(config.mount(), catalog,
          MountConfig.defaults().withReadaheadChunks(config.readaheadChunks()));
      Puller puller = new Puller(catalog, store, config.fetchThreads());
      ControlServer control = ControlServer.start(config.control(), new AgentControl(catalog, store, puller, config));
      log.info("agent serving {} (store {}, control {})", config.mount(), config.store(), config.control());
      return new Agent(config, store, catalog, mount, control);
    } catch (IOException | RuntimeException e) {
      closeQuietly(mount);
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

  /** Unmounts, stops the control socket and closes the store. */
  @Override
  public void close() {
    closeQuietly(control);
    closeQuietly(mount);
    catalog.close();
    closeQuietly(store);
    log.info("agent stopped; {} unmounted", config.mount());
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
