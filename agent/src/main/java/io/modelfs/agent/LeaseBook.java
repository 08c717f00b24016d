package io.modelfs.agent;

import io.modelfs.agent.metrics.LeaseMetrics;
import io.modelfs.core.Digest;
import io.modelfs.schedule.ChunkId;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fetch driver's account of its origin leases, for the metrics: which chunks this node holds
 * a lease for (granted and not yet fetched, failed or given back) and since when each chunk told
 * "busy" has been waiting. It decides nothing: the scheduler owns the leases; this only watches
 * the answers and outcomes that pass through the driver.
 *
 * <p>Owned by the driver's loop thread (every method but {@link #held()} runs there).
 */
final class LeaseBook {
  private final Set<ChunkId> held = new HashSet<>();
  private final Map<ChunkId, Long> busySince = new HashMap<>();
  private volatile int heldCount;
  private volatile LeaseMetrics metrics = LeaseMetrics.NONE;

  void use(LeaseMetrics m) {
    metrics = m;
  }

  LeaseMetrics metrics() {
    return metrics;
  }

  /** The tracker answered a lease request for {@code model} at {@code nowNanos}. */
  void answered(Digest model, List<Integer> granted, List<Integer> onPeers, List<Integer> busy, long nowNanos) {
    metrics.granted(granted.size());
    for (int i : granted) {
      ChunkId c = new ChunkId(model, i);
      held.add(c);
      waitOver(c, nowNanos);
    }
    onPeers.forEach(i -> waitOver(new ChunkId(model, i), nowNanos));
    for (int i : busy) {
      if (busySince.putIfAbsent(new ChunkId(model, i), nowNanos) == null) {
        metrics.waitStarted();
      }
    }
    heldCount = held.size();
  }

  /** Leases given back with a request. */
  void released(Digest model, List<Integer> chunks) {
    chunks.forEach(i -> held.remove(new ChunkId(model, i)));
    heldCount = held.size();
  }

  /** A fetch of {@code chunk} ended (from anywhere, either way): its lease is done with, its wait over. */
  void fetchEnded(ChunkId chunk, long nowNanos) {
    held.remove(chunk);
    waitOver(chunk, nowNanos);
    heldCount = held.size();
  }

  /** Leases this node holds now, as far as the driver has seen; read from any thread. */
  int held() {
    return heldCount;
  }

  private void waitOver(ChunkId c, long nowNanos) {
    Long since = busySince.remove(c);
    if (since != null) {
      metrics.waitEnded(Duration.ofNanos(Math.max(0, nowNanos - since)));
    }
  }
}
