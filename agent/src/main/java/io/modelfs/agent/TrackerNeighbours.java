package io.modelfs.agent;

import io.modelfs.core.Digest;
import io.modelfs.core.HostPort;
import io.modelfs.p2p.PeerDirectory;
import io.modelfs.tracker.TrackerClient;
import io.modelfs.tracker.TrackerException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tracker's neighbour lists as a {@link PeerDirectory}: every {@code every}, and soon after
 * {@link #refreshSoon}, asks the tracker for the neighbours of each model this node serves (≤ 50
 * each, holders and same zone first) and keeps their union, which the swarm dials. The swarm's
 * timer reads the last list without waiting; while no tracker answers the last list stays.
 *
 * <p>Thread-safety: {@link #neighbours} from any thread; the refresh runs on this class's own
 * thread. Never throws out of the refresh (failures are logged).
 */
final class TrackerNeighbours implements PeerDirectory, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TrackerNeighbours.class);
  static final int PER_MODEL = 50;

  private final TrackerClient client;
  private final String self;
  private final Supplier<Collection<Digest>> models;
  private final ScheduledExecutorService thread;
  private volatile List<InetSocketAddress> last = List.of();
  private volatile boolean warned;

  /**
   * @param self this node's id (left out of the list)
   * @param models the models this node serves now
   */
  TrackerNeighbours(TrackerClient client, String self, Supplier<Collection<Digest>> models, Duration every) {
    this.client = client;
    this.self = self;
    this.models = models;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tracker-neighbours-" + self);
      t.setDaemon(true);
      return t;
    });
    thread.scheduleWithFixedDelay(this::refresh, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public List<InetSocketAddress> neighbours() {
    return last;
  }

  /** Asks the tracker again now (a model was opened, or the scheduler learned of holders). */
  void refreshSoon() {
    try {
      thread.execute(this::refresh);
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // closing
    }
  }

  private void refresh() {
    Set<InetSocketAddress> found = new LinkedHashSet<>();
    try {
      for (Digest model : models.get()) {
        for (TrackerClient.Node n : client.neighbours(self, Optional.of(model), PER_MODEL)) {
          if (!n.id().equals(self)) {
            address(n).ifPresent(found::add);
          }
        }
      }
      last = List.copyOf(found);
      warned = false;
    } catch (TrackerException e) {
      if (!warned) {
        log.warn("node {}: the tracker did not hand out neighbours ({}: {}); keeping the last {}", self, e.code(),
            e.getMessage(), last.size());
        warned = true;
      }
    } catch (RuntimeException e) {
      log.error("node {}: neighbour refresh failed", self, e);
    }
  }

  private static Optional<InetSocketAddress> address(TrackerClient.Node n) {
    try {
      InetSocketAddress a = HostPort.parse(n.peerAddress());
      return Optional.of(new InetSocketAddress(a.getHostString(), a.getPort()));
    } catch (IllegalArgumentException e) {
      log.debug("neighbour {} has an unusable peer address '{}': {}", n.id(), n.peerAddress(), e.getMessage());
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
