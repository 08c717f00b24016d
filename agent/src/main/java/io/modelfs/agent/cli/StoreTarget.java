package io.modelfs.agent.cli;

import io.modelfs.agent.AgentConfig;
import io.modelfs.agent.control.ControlClient;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.store.ChunkStore;
import io.modelfs.store.FileChunkStore;
import io.modelfs.store.StoreConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where a store command runs: through the running agent's control socket, or with
 * {@code --store DIR} directly on the store of a stopped agent (the store's lock refuses if the
 * agent still runs).
 */
final class StoreTarget {
  @Option(names = "--agent", description = "The agent's control socket (default: ${DEFAULT-VALUE}).")
  Path agent = AgentConfig.DEFAULT_CONTROL;

  @Option(names = "--store", paramLabel = "DIR",
      description = "Work on the chunk store in DIR of a stopped agent instead of through the running one.")
  Path store;

  /** What the command does to a store opened directly. */
  @FunctionalInterface
  interface Direct {
    ControlResponse run(ChunkStore store, Path dir) throws IOException;
  }

  boolean direct() {
    return store != null;
  }

  ControlResponse call(ControlRequest request, Direct direct) throws IOException {
    if (store == null) {
      return ControlClient.call(agent, request, progress -> {});
    }
    if (!Files.isDirectory(store.resolve("chunks"))) {
      throw new IOException("no chunk store at " + store + " (it has no chunks/ directory); check --store");
    }
    // No reserve and no budget: looking at a store must not evict from it.
    StoreConfig config = StoreConfig.at(store).withFetchThreads(1).withMinFreeBytes(0);
    ChunkStore opened;
    try {
      opened = FileChunkStore.open(config);
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().contains("already open")) {
        throw new IOException(e.getMessage() + "; an agent is running on it: drop --store to go through the agent");
      }
      throw e;
    }
    try (ChunkStore s = opened) {
      return direct.run(s, store.toAbsolutePath());
    }
  }
}
