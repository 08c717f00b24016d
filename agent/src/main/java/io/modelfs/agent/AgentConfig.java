package io.modelfs.agent;

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
 */
public record AgentConfig(
    Path mount,
    Path store,
    List<String> manifests,
    Path control,
    Duration readTimeout,
    int fetchThreads,
    int readaheadChunks,
    int originAttempts) {

  public static final Path DEFAULT_CONTROL = Path.of("/run/modelfs/agent.sock");

  public AgentConfig {
    manifests = List.copyOf(manifests);
    if (manifests.isEmpty()) {
      throw new IllegalArgumentException("the agent needs at least one manifests location (--manifests URI)");
    }
    if (fetchThreads < 1 || readaheadChunks < 0 || originAttempts < 1) {
      throw new IllegalArgumentException("fetch threads and origin attempts must be at least 1, readahead at least 0");
    }
  }

  /**
   * Defaults for everything but the paths and locations; change the rest with the
   * {@code with...} methods (add a component here and a wither below, so callers do not break).
   */
  public static AgentConfig of(Path mount, Path store, List<String> manifests, Path control) {
    return new AgentConfig(mount, store, manifests, control, Duration.ofMinutes(3), 8, 4, 4);
  }

  public AgentConfig withReadTimeout(Duration readTimeout) {
    return new AgentConfig(mount, store, manifests, control, readTimeout, fetchThreads, readaheadChunks, originAttempts);
  }

  public AgentConfig withFetchThreads(int fetchThreads) {
    return new AgentConfig(mount, store, manifests, control, readTimeout, fetchThreads, readaheadChunks, originAttempts);
  }

  public AgentConfig withReadaheadChunks(int readaheadChunks) {
    return new AgentConfig(mount, store, manifests, control, readTimeout, fetchThreads, readaheadChunks, originAttempts);
  }

  public AgentConfig withOriginAttempts(int originAttempts) {
    return new AgentConfig(mount, store, manifests, control, readTimeout, fetchThreads, readaheadChunks, originAttempts);
  }
}
