package io.modelfs.agent.cli;

import io.modelfs.agent.Agent;
import io.modelfs.agent.AgentConfig;
import io.modelfs.agent.k8s.NodeLabels;
import io.modelfs.agent.SecuritySettings;
import io.modelfs.agent.ReadPathWarmup;
import io.modelfs.agent.StartupWarmup;
import io.modelfs.agent.SwarmSettings;
import io.modelfs.agent.SwarmWarmup;
import io.modelfs.agent.http.HttpAddress;
import io.modelfs.core.ByteSize;
import io.modelfs.core.Durations;
import io.modelfs.fuse.MountConfig;
import io.modelfs.origin.OriginConfig;
import io.modelfs.schedule.SchedulerConfig;
import io.modelfs.store.StoreConfig;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "agent", description = "Run the node agent: mount models read-only and serve the control socket until stopped.")
final class AgentCommand implements Callable<Integer> {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AgentCommand.class);

  @Mixin
  DaemonOptions daemon;

  @Option(names = "--mount", description = "Directory to mount the models at (required).")
  Path mount;

  @Option(names = "--store", description = "Chunk store directory (local NVMe) (required).")
  Path store;

  @Option(names = "--manifests", split = ",",
      description = "Manifests location URI; repeat (or separate with commas) for several. Optional with --tracker, which is asked first.")
  List<String> manifests = new java.util.ArrayList<>();

  @Option(names = "--control", description = "Control socket (default: ${DEFAULT-VALUE}).")
  Path control = AgentConfig.DEFAULT_CONTROL;

  @Option(names = "--read-timeout", description = "How long a read waits for a missing chunk before EIO (default: ${DEFAULT-VALUE}).")
  String readTimeout = "3m";

  @Option(names = "--warmup", paramLabel = "DURATION",
      description = "Before mounting, run the read path's hot code (S3 GETs from a loopback server, SHA-256, the"
          + " store's load and read) on a throw-away store for at most this long, so a first cold read does not pay"
          + " for the JIT, then 128 KiB reads through a throw-away mount of that store for at most as long again. The mount waits"
          + " for them at most 3 x this + 5 s (a loaded machine's set-up can take longer; then they finish beside the"
          + " running agent); 0 turns both off"
          + " (default: ${DEFAULT-VALUE}).")
  String warmup = StartupWarmup.DEFAULT_BUDGET.toSeconds() + "s";

  @Option(names = "--fetch-threads", description = "Chunk loads at once (default: ${DEFAULT-VALUE}).")
  int fetchThreads = 8;

  @Option(names = "--readahead", description = "Chunks fetched ahead of a sequential reader (default: ${DEFAULT-VALUE}).")
  int readahead = MountConfig.DEFAULT_READAHEAD_CHUNKS;

  @Option(names = "--kernel-readahead-kb",
      description = "The kernel's readahead window on the mount in KiB; 0 keeps the kernel's 128 (default: ${DEFAULT-VALUE}).")
  int kernelReadaheadKb = MountConfig.DEFAULT_KERNEL_READAHEAD_KB;

  @Option(names = "--format-prefetch", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Opening a safetensors or GGUF file prefetches its tensors in file order (default: ${DEFAULT-VALUE}).")
  boolean formatPrefetch = true;

  @Option(names = {"--config", "--origin-config"}, paramLabel = "FILE",
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

  @Option(names = "--max-downloads",
      description = "Chunk fetches at once, from peers and the origin together (default: ${DEFAULT-VALUE}).")
  int maxDownloads = SchedulerConfig.defaults().maxDownloads();

  @Option(names = "--origin-concurrency",
      description = "Origin fetches at once on this node (default: ${DEFAULT-VALUE}); the swarm-wide cap is the tracker's.")
  int originConcurrency = SchedulerConfig.defaults().maxOriginFetches();

  @Option(names = "--download-limit", paramLabel = "SIZE",
      description = "Most bytes per second this node fetches, e.g. 500MiB; 0: no cap (default: ${DEFAULT-VALUE}).")
  String downloadLimit = "0";

  @Option(names = "--upload-limit", paramLabel = "SIZE",
      description = "Most bytes per second this node uploads to peers, all together, e.g. 200MiB; 0: no cap"
          + " (default: ${DEFAULT-VALUE}).")
  String uploadLimit = "0";

  @Option(names = "--upload-slots",
      description = "Chunks uploaded to peers at once (default: ${DEFAULT-VALUE}).")
  int uploadSlots = SchedulerConfig.defaults().uploadSlots();

  @Option(names = "--zone", description = "This node's zone label; the tracker hands out neighbours in the same zone first.")
  String zone = "";

  @Option(names = "--peer", paramLabel = "HOST:PORT", split = ",",
      description = "A static neighbour to exchange chunks with; repeatable (or separate with commas).")
  List<String> peers = List.of();

  @Option(names = "--store-budget", paramLabel = "SIZE",
      description = "Most bytes of chunks kept; least recently used unpinned chunks are evicted beyond it, e.g. 500GiB (default: no budget).")
  String storeBudget;

  @Option(names = "--store-min-free", paramLabel = "SIZE",
      description = "Free space kept on the store's disk; chunks are evicted below it (default: ${DEFAULT-VALUE}).")
  String storeMinFree = "1GiB";

  @Option(names = "--store-memory", paramLabel = "SIZE",
      description = "Memory chunks are loaded into and read from while they last; their files then go to disk past the"
          + " page cache, so a cold read copies each byte once less and the page cache holds one copy (0 turns it off;"
          + " default: ${DEFAULT-VALUE}).")
  String storeMemory = "128MiB";

  @Option(names = "--node-name", paramLabel = "NODE", defaultValue = "${env:NODE_NAME}",
      description = "In Kubernetes: this node's name (default: $NODE_NAME). The agent then labels its Node"
          + " model.modelfs.io/sha256-<56 hex>=<name> while it holds a pulled model whole (see 'modelfs label').")
  String nodeName;

  @Mixin
  TlsOptions tls;

  @Option(names = "--control-group", paramLabel = "GROUP",
      description = "A group whose members may use the control socket too (mode 0660); default: the agent's user only (0600).")
  String controlGroup;

  @Option(names = "--manifest-public-key", paramLabel = "PEM",
      description = "Open only models whose manifest is signed with this Ed25519 key ('modelfs keygen'); unsigned or"
          + " mis-signed manifests are refused (not mounted or pulled).")
  Path manifestPublicKey;

  @Override
  public Integer call() throws Exception {
    daemon.begin();
    AgentConfig config = AgentConfig.of(mount, store, manifests, control)
        .withOrigins(this.config == null ? OriginConfig.defaults() : OriginConfig.load(this.config))
        .withReadTimeout(daemon.parse("read-timeout", readTimeout, Durations::parse))
        .withFetchThreads(fetchThreads)
        .withReadaheadChunks(readahead)
        .withKernelReadaheadKb(kernelReadaheadKb)
        .withFormatPrefetch(formatPrefetch)
        .withHttp(http.equals("off") ? null : daemon.parse("http", http, HttpAddress::parse))
        .withStoreLimits(storeBudget == null ? StoreConfig.UNLIMITED : daemon.parse("store-budget", storeBudget, ByteSize::parse),
            daemon.parse("store-min-free", storeMinFree, ByteSize::parse))
        .withStoreMemory(daemon.parse("store-memory", storeMemory, ByteSize::parse))
        .withScheduler(scheduler());
    SwarmSettings swarm = swarmSettings();
    if (daemon.printedOrLogging()) {
      return 0;
    }
    daemon.require("mount", mount);
    daemon.require("store", store);
    Duration warmupBudget = daemon.parse("warmup", warmup, Durations::parse);
    LogFormat.node(swarm.nodeId());
    org.slf4j.MDC.put("node", swarm.nodeId());
    long started = System.nanoTime();
    warmUp(store, warmupBudget, swarm.enabled());
    Agent agent = Agent.start(config, swarm, SecuritySettings.fromFlags(controlGroup, manifestPublicKey));
    log.info("agent ready {} ms after start-up began ({} ms since the JVM started; warm-up included)",
        (System.nanoTime() - started) / 1_000_000, ManagementFactory.getRuntimeMXBean().getUptime());
    agent.labelNode(nodeName == null || nodeName.isBlank() ? NodeLabels.disabled() : NodeLabels.forNode(nodeName));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      agent.close();
      stopped.countDown();
    }, "agent-shutdown"));
    log.info("modelfs agent {}: serving {}; control socket {}; Ctrl-C to stop", swarm.nodeId(), mount, control);
    stopped.await();
    return 0;
  }

  /**
   * Runs the start-up warm-ups — the store/S3/SHA-256 path, then a warm read's whole path (the FUSE
   * read callback through a throw-away mount into the agent's {@code StoredModel} over a throw-away
   * store, {@link ReadPathWarmup}; the first never reaches it), then, for an agent that joins a swarm
   * ({@code swarm}), the peer transfer path over loopback ({@link SwarmWarmup}) — and waits for them
   * at most {@code 3 * budget + 5 s} ({@code 4 * budget + 5 s} with the swarm's); logs
   * "start-up warm-ups ended" when the last one is done (bench/fanout.sh starts its clock after it).
   * Each bounds its own work by {@code budget}, but not its set-up (opening a throw-away store and
   * S3 client, mounting), which took 131 s with 16 agents starting
   * at once on 2 cores (issue 8's fan-out). Past the wait the agent starts beside the warm-up,
   * which finishes and cleans up on its own: a warm-up never delays the mount by more than that.
   */
  private static void warmUp(Path store, Duration budget, boolean swarm) throws InterruptedException {
    if (budget.isZero() || budget.isNegative()) {
      return;
    }
    java.util.Map<String, String> mdc = org.slf4j.MDC.getCopyOfContextMap();
    long began = System.nanoTime();
    Thread warmup = new Thread(() -> {
      if (mdc != null) {
        org.slf4j.MDC.setContextMap(mdc); // its log lines name the node too
      }
      try {
        StartupWarmup.run(store.resolve("warmup"), budget, Clock.systemUTC());
        ReadPathWarmup.run(store.resolve("warmup-fuse"), budget, Clock.systemUTC()); // FuseWarmup over StoredModel
        if (swarm) {
          SwarmWarmup.run(store.resolve("warmup-swarm"), budget, Clock.systemUTC());
        }
      } finally { // also when one died of an Error: bench/fanout.sh waits for this line
        log.info("start-up warm-ups ended {} ms after they began", (System.nanoTime() - began) / 1_000_000);
      }
    }, "startup-warmup");
    warmup.setDaemon(true);
    warmup.start();
    Duration wait = budget.multipliedBy(swarm ? 4 : 3).plusSeconds(5);
    warmup.join(wait.toMillis());
    if (warmup.isAlive()) {
      log.warn("start-up warm-up still running after {} ms (a loaded machine); starting the agent beside it",
          wait.toMillis());
    }
  }

  /** The fetch scheduler's defaults with this command line's caps. */
  private SchedulerConfig scheduler() {
    SchedulerConfig d = SchedulerConfig.defaults();
    return new SchedulerConfig(maxDownloads, Math.min(d.maxPerPeer(), maxDownloads), originConcurrency,
        daemon.parse("download-limit", downloadLimit, ByteSize::parse), uploadSlots,
        daemon.parse("upload-limit", uploadLimit, ByteSize::parse),
        d.peerStall(), d.leaseWait(), d.leaseBatch(), d.endgameChunks(), d.fallbackOriginBytesPerSecond());
  }

  private SwarmSettings swarmSettings() throws java.net.UnknownHostException {
    String id = nodeId != null ? nodeId : java.net.InetAddress.getLocalHost().getHostName();
    return new SwarmSettings(listen == null ? null : daemon.parse("listen", listen, SwarmSettings::hostPort), id,
        swarmKeyFile, daemon.parse("tracker", trackers, SwarmSettings::trackerList),
        peers.stream().map(p -> daemon.parse("peer", p, SwarmSettings::hostPort)).toList(), zone)
        .withTls(tls.files());
  }
}
