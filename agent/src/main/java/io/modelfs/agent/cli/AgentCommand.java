package io.modelfs.agent.cli;

import io.modelfs.agent.Agent;
import io.modelfs.agent.AgentConfig;
import io.modelfs.agent.k8s.NodeLabels;
import io.modelfs.agent.SwarmSettings;
import io.modelfs.agent.http.HttpAddress;
import io.modelfs.core.ByteSize;
import io.modelfs.core.Durations;
import io.modelfs.fuse.MountConfig;
import io.modelfs.origin.OriginConfig;
import io.modelfs.store.StoreConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "agent", description = "Run the node agent: mount models read-only and serve the control socket until stopped.")
final class AgentCommand implements Callable<Integer> {
  @Option(names = "--mount", required = true, description = "Directory to mount the models at.")
  Path mount;

  @Option(names = "--store", required = true, description = "Chunk store directory (local NVMe).")
  Path store;

  @Option(names = "--manifests", description = "Manifests location URI; repeat for several. Optional with --tracker, which is asked first.")
  List<String> manifests = new java.util.ArrayList<>();

  @Option(names = "--control", description = "Control socket (default: ${DEFAULT-VALUE}).")
  Path control = AgentConfig.DEFAULT_CONTROL;

  @Option(names = "--read-timeout", description = "How long a read waits for a missing chunk before EIO (default: ${DEFAULT-VALUE}).")
  String readTimeout = "3m";

  @Option(names = "--fetch-threads", description = "Chunk loads at once (default: ${DEFAULT-VALUE}).")
  int fetchThreads = 8;

  @Option(names = "--readahead", description = "Chunks fetched ahead of a sequential reader (default: ${DEFAULT-VALUE}).")
  int readahead = MountConfig.DEFAULT_READAHEAD_CHUNKS;

  @Option(names = "--kernel-readahead-kb",
      description = "The kernel's readahead window on the mount in KiB; 0 keeps the kernel's 128 (default: ${DEFAULT-VALUE}).")
  int kernelReadaheadKb = MountConfig.DEFAULT_KERNEL_READAHEAD_KB;

  @Option(names = "--format-prefetch", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Opening a safetensors file prefetches its tensors in file order (default: ${DEFAULT-VALUE}).")
  boolean formatPrefetch = true;

  @Option(names = "--config", paramLabel = "FILE",
      description = "Origin settings per URI prefix: endpoint, region, credentials source, rate cap, parts (see README).")
  Path config;

  @Option(names = "--listen", paramLabel = "HOST:PORT",
      description = "Peer port: join the swarm and serve chunks to peers (needs --swarm-key-file). Without it the agent runs alone.")
  String listen;

  @Option(names = "--node-id", description = "This node's id among peers (default: the host name).")
  String nodeId;

  @Option(names = "--swarm-key-file", paramLabel = "FILE", description = "The swarm's shared secret (the same file on every agent and tracker).")
  Path swarmKeyFile;

  @Option(names = "--tracker", paramLabel = "ID=HOST:PORT,...",
      description = "The tracker replicas (the list the trackers get with --peers).")
  String trackers;

  @Option(names = "--http", paramLabel = "HOST:PORT",
      description = "Serve /metrics, /healthz, /readyz, /api/status, /api/swarm and the dashboard at / here; 'off' serves none (default: ${DEFAULT-VALUE}).")
  String http = HttpAddress.DEFAULT.toString();

  @Option(names = "--peer", paramLabel = "HOST:PORT", description = "A static neighbour to exchange chunks with; repeatable.")
  List<String> peers = List.of();

  @Option(names = "--store-budget", paramLabel = "SIZE",
      description = "Most bytes of chunks kept; least recently used unpinned chunks are evicted beyond it, e.g. 500GiB (default: no budget).")
  String storeBudget;

  @Option(names = "--store-min-free", paramLabel = "SIZE",
      description = "Free space kept on the store's disk; chunks are evicted below it (default: ${DEFAULT-VALUE}).")
  String storeMinFree = "1GiB";

  @Option(names = "--node-name", paramLabel = "NODE", defaultValue = "${env:NODE_NAME}",
      description = "In Kubernetes: this node's name (default: $NODE_NAME). The agent then labels its Node"
          + " model.modelfs.io/sha256-<56 hex>=<name> while it holds a pulled model whole (see 'modelfs label').")
  String nodeName;

  @Override
  public Integer call() throws Exception {
    AgentConfig config = AgentConfig.of(mount, store, manifests, control)
        .withOrigins(this.config == null ? OriginConfig.defaults() : OriginConfig.load(this.config))
        .withReadTimeout(Durations.parse(readTimeout))
        .withFetchThreads(fetchThreads)
        .withReadaheadChunks(readahead)
        .withKernelReadaheadKb(kernelReadaheadKb)
        .withFormatPrefetch(formatPrefetch)
        .withHttp(http.equals("off") ? null : HttpAddress.parse(http))
        .withStoreLimits(storeBudget == null ? StoreConfig.UNLIMITED : ByteSize.parse(storeBudget), ByteSize.parse(storeMinFree));
    Agent agent = Agent.start(config, swarmSettings());
    agent.labelNode(nodeName == null || nodeName.isBlank() ? NodeLabels.disabled() : NodeLabels.forNode(nodeName));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      agent.close();
      stopped.countDown();
    }, "agent-shutdown"));
    System.err.println("modelfs agent: serving " + mount + "; control socket " + control + "; Ctrl-C to stop");
    stopped.await();
    return 0;
  }

  private SwarmSettings swarmSettings() throws java.net.UnknownHostException {
    String id = nodeId != null ? nodeId : java.net.InetAddress.getLocalHost().getHostName();
    return new SwarmSettings(listen == null ? null : SwarmSettings.hostPort(listen), id, swarmKeyFile,
        SwarmSettings.trackerList(trackers), peers.stream().map(SwarmSettings::hostPort).toList());
  }
}
