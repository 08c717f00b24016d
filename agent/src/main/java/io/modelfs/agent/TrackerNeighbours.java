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
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tracker's neighbour lists as a {@link PeerDirectory}: every {@code every} (or twice the
 * leader's report interval when longer: at 1,000 nodes every 10 s, not 2), and soon after
 * {@link #refreshSoon} (at most one ask per {@link #MIN_GAP}), asks the tracker for the neighbours of each model this node serves (≤ 50
 * each, holders and same zone first) and keeps their union, which the swarm dials. The swarm's
 * timer reads the last list without waiting; while no tracker answers the last list stays.
 *
 * <p>Thread-safety: {@link #neighbours} from any thread; the refresh runs on this class's own
 * thread. Never throws out of the refresh (failures are logged).
 */
final class TrackerNeighbours implements PeerDirectory, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TrackerNeighbours.class);
  static final int PER_MODEL = 50;

  /**
   * Asks made sooner than this (or than twice the leader's report interval, when longer) after
   * the last one are folded into one ask at that time.
   */
  static final Duration MIN_GAP = Duration.ofMillis(500);

  private final TrackerClient client;
  private final String self;
  private final Supplier<Collection<Digest>> models;
  private final Duration every;
  private final Supplier<Duration> pace;
  private final ScheduledExecutorService thread;
  private final Object lock = new Object();
  private volatile List<InetSocketAddress> last = List.of();
  private volatile boolean warned;
  private ScheduledFuture<?> next;
  private long nextAtNanos;
  private long lastAskNanos;

  /**
   * @param self this node's id (left out of the list)
   * @param models the models this node serves now
   * @param every the refresh period, stretched to twice {@code pace} (the tracker leader's
   *     report interval, which grows with the fleet) when that is longer
   */
  TrackerNeighbours(TrackerClient client, String self, Supplier<Collection<Digest>> models, Duration every,
      Supplier<Duration> pace) {
    this.client = client;
    this.self = self;
    this.models = models;
    this.every = every;
    this.pace = pace;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tracker-neighbours-" + self);
      t.setDaemon(true);
      return t;
    });
    lastAskNanos = System.nanoTime() - MIN_GAP.toNanos();
    schedule(0);
  }

  @Override
  public List<InetSocketAddress> neighbours() {
    return last;
  }

  /**
   * Asks the tracker again soon (a model was opened, or the scheduler learned of holders): at
   * once, or {@link #MIN_GAP} (twice the leader's pace, when longer) after the last ask — many
   * calls in a burst make one ask.
   */
  void refreshSoon() {
    synchronized (lock) {
      long at = Math.max(System.nanoTime(), lastAskNanos + Math.max(MIN_GAP.toNanos(), paced()));
      if (next == null || nextAtNanos > at) {
        schedule(at - System.nanoTime());
      }
    }
  }

  /** Replaces the pending ask by one {@code delayNanos} from now. */
  private void schedule(long delayNanos) {
    synchronized (lock) {
      if (next != null) {
        next.cancel(false);
      }
      long d = Math.max(0, delayNanos);
      nextAtNanos = System.nanoTime() + d;
      try {
        next = thread.schedule(this::refreshAndReschedule, d, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException closed) {
        next = null; // closing
      }
    }
  }

  private void refreshAndReschedule() {
    synchronized (lock) {
      next = null;
      lastAskNanos = System.nanoTime();
    }
    refresh();
    synchronized (lock) {
      if (next == null) { // else a refreshSoon during the ask already set an earlier one
        schedule(Math.max(every.toNanos(), paced()));
      }
    }
  }

  /**
   * Twice the leader's report interval (zero while it sets none): at 1,000 nodes it asks for
   * reports every 5 s, so each node asks for neighbours at most every 10 s — 100 asks/s
   * fleet-wide. The list changes slowly; chunk availability itself spreads by peers' HAVEs.
   */
  private long paced() {
    Duration p = pace.get();
    return p == null ? 0 : 2 * p.toNanos();
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
