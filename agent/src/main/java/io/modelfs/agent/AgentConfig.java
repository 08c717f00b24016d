package io.modelfs.agent;

import io.modelfs.agent.http.HttpAddress;
import io.modelfs.fuse.MountConfig;
import io.modelfs.origin.OriginConfig;
import io.modelfs.schedule.SchedulerConfig;
import io.modelfs.store.StoreConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything one agent needs, composed from the modules' own settings.
 *
 * @param mount where the FUSE filesystem is mounted
 * @param store the chunk store's directory (local NVMe)
 * @param manifests manifest locations, searched in order when a ref is first looked up
 * @param control the Unix socket of the control API
 * @param readTimeout how long a read blocked on a missing chunk waits before it fails with EIO
 * @param fetchThreads chunk loads running at once
 * @param readaheadChunks chunks fetched ahead of a sequential reader
 * @param originAttempts tries per chunk against the origin before a read fails
 * @param kernelReadaheadKb the kernel's readahead window on the mount, KiB (0: kernel default)
 * @param formatPrefetch whether opening a safetensors file prefetches its tensors in file order
 * @param origins per-prefix origin settings (endpoint, region, credentials source, rate cap, parts)
 * @param http where /metrics, /healthz, /readyz, /api and the dashboard are served; null: not at all
 * @param storeBudget most bytes of chunks the store keeps before evicting ({@link StoreConfig#UNLIMITED}: no budget)
 * @param storeMinFree free space the store keeps on its disk, evicting when it runs below
 * @param storeMemory memory chunks are loaded into and read from while they last (0: none; see
 *     {@link StoreConfig#memoryBytes()})
 * @param scheduler the fetch scheduler's settings: concurrent downloads (per node, per peer), origin
 *     fetches per node, download and upload caps, stall and lease waits, endgame (the swarm-wide
 *     origin cap is the tracker's lease policy)
 */
public record AgentConfig(
    Path mount,
    Path store,
    List<String> manifests,
    Path control,
    Duration readTimeout,
    int fetchThreads,
    int readaheadChunks,
    int originAttempts,
    int kernelReadaheadKb,
    boolean formatPrefetch,
    OriginConfig origins,
    HttpAddress http,
    long storeBudget,
    long storeMinFree,
    long storeMemory,
    SchedulerConfig scheduler) {

  public static final Path DEFAULT_CONTROL = Path.of("/run/modelfs/agent.sock");

  public AgentConfig {
    manifests = List.copyOf(manifests);
    origins = origins == null ? OriginConfig.defaults() : origins;
    scheduler = scheduler == null ? SchedulerConfig.defaults() : scheduler;
    if (fetchThreads < 1 || readaheadChunks < 0 || originAttempts < 1) {
      throw new IllegalArgumentException("fetch threads and origin attempts must be at least 1, readahead at least 0");
    }
  }

  /**
   * Defaults for everything but the paths and locations; change the rest with the
   * {@code with...} methods (add a component here and a wither below, so callers do not break).
   */
  public static AgentConfig of(Path mount, Path store, List<String> manifests, Path control) {
    return new AgentConfig(mount, store, manifests, control, Duration.ofMinutes(3), 8,
        MountConfig.DEFAULT_READAHEAD_CHUNKS, 4, MountConfig.DEFAULT_KERNEL_READAHEAD_KB, true,
        OriginConfig.defaults(), null, StoreConfig.UNLIMITED, StoreConfig.DEFAULT_MIN_FREE_BYTES,
        StoreConfig.DEFAULT_MEMORY_BYTES, SchedulerConfig.defaults());
  }

  /** Serves HTTP (metrics, health, API, dashboard) at {@code http}; null serves none (the default here; the CLI's is 127.0.0.1:7070). */
  public AgentConfig withHttp(HttpAddress http) {
    return new AgentConfig(mount, store, manifests, control, readTimeout, fetchThreads, readaheadChunks, originAttempts,
        kernelReadaheadKb, formatPrefetch, origins, http, storeBudget, storeMinFree, storeMemory, scheduler);
  }

  public AgentConfig withReadTimeout(Duration readTimeout) {
    return new AgentConfig(mount, store, manifests, control, readTimeout, fetchThreads, readaheadChunks, originAttempts,
        kernelReadaheadKb, formatPrefetch, origins, http, storeBudget, storeMinFree, storeMemory, scheduler);
  }

  public AgentConfig withFetchThreads(int fetchThreads) {
    return new AgentConfig(mount, store, manifests, control, readTimeout, fetchThreads, readaheadChunks, originAttempts,
        kernelReadaheadKb, formatPrefetch, origins, http, storeBudget, storeMinFree, storeMemory, scheduler);
  }

  public AgentConfig withReadaheadChunks(int readaheadChunks) {
    return new AgentConfig(mount, store, manifests, control, readTimeout, fetchThreads, readaheadChunks, originAttempts,
        kernelReadaheadKb, formatPrefetch, origins, http, storeBudget, storeMinFree, storeMemory, scheduler);
  }

  public AgentConfig withKernelReadaheadKb(int kernelReadaheadKb) {
    return new AgentConfig(mount, store, manifests, control, readTimeout, fetchThreads, readaheadChunks, originAttempts,
        kernelReadaheadKb, formatPrefetch, origins, http, storeBudget, storeMinFree, storeMemory, scheduler);
  }

  public AgentConfig withFormatPrefetch(boolean formatPrefetch) {
    return new AgentConfig(mount, store, manifests, control, readTimeout, fetchThreads, readaheadChunks, originAttempts,
        kernelReadaheadKb, formatPrefetch, origins, http, storeBudget, storeMinFree, storeMemory, scheduler);
  }

  /** The mount's settings: the module's defaults with this agent's readahead and prefetch. */
  public MountConfig mountConfig() {
    return MountConfig.defaults()
        .withReadaheadChunks(readaheadChunks)
        .withKernelReadaheadKb(kernelReadaheadKb)
        .withFormatPrefetch(formatPrefetch);
  }

  public AgentConfig withOriginAttempts(int originAttempts) {
    return new AgentConfig(mount, store, manifests, control, readTimeout, fetchThreads, readaheadChunks, originAttempts,
        kernelReadaheadKb, formatPrefetch, origins, http, storeBudget, storeMinFree, storeMemory, scheduler);
  }

  /** Origin settings per prefix, from the agent's {@code --config} file. */
  public AgentConfig withOrigins(OriginConfig origins) {
    return new AgentConfig(mount, store, manifests, control, readTimeout, fetchThreads, readaheadChunks, originAttempts,
        kernelReadaheadKb, formatPrefetch, origins, http, storeBudget, storeMinFree, storeMemory, scheduler);
  }

  /** The chunk store's budget and free-space reserve. */
  public AgentConfig withStoreLimits(long storeBudget, long storeMinFree) {
    return new AgentConfig(mount, store, manifests, control, readTimeout, fetchThreads, readaheadChunks, originAttempts,
        kernelReadaheadKb, formatPrefetch, origins, http, storeBudget, storeMinFree, storeMemory, scheduler);
  }

  /** The memory the chunk store loads chunks into (see {@link StoreConfig#memoryBytes()}). */
  public AgentConfig withStoreMemory(long storeMemory) {
    return new AgentConfig(mount, store, manifests, control, readTimeout, fetchThreads, readaheadChunks, originAttempts,
        kernelReadaheadKb, formatPrefetch, origins, http, storeBudget, storeMinFree, storeMemory, scheduler);
  }

  /** The fetch scheduler's settings (see {@link SchedulerConfig}). */
  public AgentConfig withScheduler(SchedulerConfig scheduler) {
    return new AgentConfig(mount, store, manifests, control, readTimeout, fetchThreads, readaheadChunks, originAttempts,
        kernelReadaheadKb, formatPrefetch, origins, http, storeBudget, storeMinFree, storeMemory, scheduler);
  }

  /**
   * The chunk store's settings. Its fetch threads carry the scheduler's downloads (a peer fetch
   * blocks one while the bytes stream in), and a fetch the scheduler cancelled keeps its thread
   * until its next bytes arrive; so there are twice as many as the scheduler runs at once, and a
   * new fetch never queues behind cancelled ones (its stall clock already runs).
   */
  public StoreConfig storeConfig() {
    return StoreConfig.at(store).withFetchThreads(Math.max(fetchThreads, 2 * scheduler.maxDownloads()))
        .withBudgetBytes(storeBudget).withMinFreeBytes(storeMinFree).withMemoryBytes(storeMemory);
  }
}
