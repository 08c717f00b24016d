package io.modelfs.schedule;

import java.time.Duration;

/**
 * A node's fetch settings; the agent reads them from its configuration and the simulator from
 * its scenario, so both run the same numbers.
 *
 * @param maxDownloads concurrent chunk fetches per node (peers and origin together)
 * @param maxPerPeer concurrent fetches from one peer
 * @param maxOriginFetches concurrent origin fetches per node
 * @param downloadBytesPerSecond per-node download cap (0 = none); the scheduler paces new fetches
 * @param uploadSlots concurrent uploads this node serves (the driver configures its server with it)
 * @param uploadBytesPerSecond per-node upload cap (0 = none), enforced by the driver's server
 * @param peerStall a fetch with no verified result after this long is abandoned and re-requested elsewhere
 * @param leaseWait how long a node without the lease waits for a chunk to appear on a peer before asking again
 * @param leaseBatch at most this many chunks per lease request
 * @param endgameChunks when this few wanted chunks remain unfetched, outstanding ones are also requested from a second source
 * @param fallbackOriginBytesPerSecond origin rate per node while the tracker is unreachable (0 = none)
 */
public record SchedulerConfig(
    int maxDownloads,
    int maxPerPeer,
    int maxOriginFetches,
    long downloadBytesPerSecond,
    int uploadSlots,
    long uploadBytesPerSecond,
    Duration peerStall,
    Duration leaseWait,
    int leaseBatch,
    int endgameChunks,
    long fallbackOriginBytesPerSecond) {

  public SchedulerConfig {
    positive("maxDownloads", maxDownloads);
    positive("maxPerPeer", maxPerPeer);
    positive("maxOriginFetches", maxOriginFetches);
    positive("uploadSlots", uploadSlots);
    positive("leaseBatch", leaseBatch);
    if (downloadBytesPerSecond < 0 || uploadBytesPerSecond < 0 || fallbackOriginBytesPerSecond < 0 || endgameChunks < 0) {
      throw new IllegalArgumentException("rates and endgameChunks must be >= 0 (0 = no cap)");
    }
    if (peerStall == null || peerStall.isNegative() || peerStall.isZero()) {
      throw new IllegalArgumentException("peerStall must be positive, got " + peerStall);
    }
    if (leaseWait == null || leaseWait.isNegative() || leaseWait.isZero()) {
      throw new IllegalArgumentException("leaseWait must be positive, got " + leaseWait);
    }
  }

  /** The defaults the agent ships with. */
  public static SchedulerConfig defaults() {
    return new SchedulerConfig(16, 4, 8, 0, 16, 0, Duration.ofSeconds(10), Duration.ofSeconds(2), 8, 8, 200L << 20);
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + value);
    }
  }
}
