package io.modelfs.tracker;

import io.modelfs.core.Digest;
import io.modelfs.core.proto.Traffic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's standing with the tracker: registers (again after expiry), sends durable heartbeats
 * with the models it holds (every {@code heartbeatInterval}; the leader coalesces them into one
 * log entry per interval), and reports to the leader: one ping carrying its batched HAVE/DROPPED
 * deltas (every {@code flushInterval} while there are some, default 1 s; every
 * {@code pingInterval} otherwise) — per-chunk news travels between peers, the tracker needs it
 * for leases and waiters. Both intervals stretch to the report interval the leader asks for, which
 * grows with the fleet (about 5 s at 1,000 nodes) so that the leader's load stays bounded. It
 * keeps the node's holdings itself, so when the leader's term changes — a new leader with empty
 * soft state — it re-announces everything at once.
 *
 * <p>Never throws from its loop: while no tracker answers it logs once, keeps the holdings,
 * and retries; {@link #connected()} says whether the last call got through. Thread-safe.
 */
public final class TrackerSession implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TrackerSession.class);

  /** Who this node is to the tracker. */
  public record Identity(String nodeId, String peerAddress, String zone, long capacityBytes) {}

  /** How often the session talks to the tracker. */
  public record Timing(Duration flushInterval, Duration pingInterval, Duration heartbeatInterval) {
    public static Timing defaults() {
      return new Timing(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(15));
    }
  }

  private record Holding(int chunkCount, BitSet held) {}

  private final TrackerClient client;
  private final Identity self;
  private final Timing timing;
  private final ScheduledExecutorService loop;
  private final Supplier<Traffic> traffic;
  private final Map<Digest, Holding> holdings = new HashMap<>();
  private final Map<Digest, Set<Integer>> pendingHave = new HashMap<>();
  private final Map<Digest, Set<Integer>> pendingDropped = new HashMap<>();
  private final Set<Digest> needFull = new LinkedHashSet<>();
  private boolean registered;
  private long term = -1;
  private long lastPingNanos;
  /** How often the leader last asked this node to report (zero: at the session's own pace). */
  private volatile Duration leaderInterval = Duration.ZERO;
  private long lastHeartbeatNanos;
  private volatile boolean connected;

  private TrackerSession(TrackerClient client, Identity self, Timing timing, Supplier<Traffic> traffic) {
    this.client = client;
    this.self = self;
    this.timing = timing;
    this.traffic = traffic;
    this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tracker-session-" + self.nodeId());
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts the session; registration happens in the background and is retried. */
  public static TrackerSession start(TrackerClient client, Identity self, Timing timing) {
    return start(client, self, timing, () -> null);
  }

  /**
   * As above, reporting {@code traffic} (this node's cumulative counters, or null for none) with
   * every ping, so that the leader can show the swarm's throughput and origin bytes saved. The
   * supplier is called on the session's thread and must not block.
   */
  public static TrackerSession start(TrackerClient client, Identity self, Timing timing, Supplier<Traffic> traffic) {
    TrackerSession s = new TrackerSession(client, self, timing, traffic);
    s.loop.scheduleWithFixedDelay(s::step, 0, timing.flushInterval().toMillis(), TimeUnit.MILLISECONDS);
    return s;
  }

  /** Sets what this node holds of a model (replacing what was known); sent as a full bitfield. */
  public synchronized void holding(Digest model, int chunkCount, BitSet held) {
    holdings.put(model, new Holding(chunkCount, (BitSet) held.clone()));
    pendingHave.remove(model);
    pendingDropped.remove(model);
    needFull.add(model);
  }

  /** A chunk was verified and stored; announced with the next flush. */
  public synchronized void have(Digest model, int chunk) {
    Holding h = holdings.get(model);
    if (h == null || h.held().get(chunk)) {
      return;
    }
    h.held().set(chunk);
    pendingHave.computeIfAbsent(model, k -> new LinkedHashSet<>()).add(chunk);
    Set<Integer> d = pendingDropped.get(model);
    if (d != null) {
      d.remove(chunk);
    }
  }

  /** A chunk was evicted; announced with the next flush. */
  public synchronized void dropped(Digest model, int chunk) {
    Holding h = holdings.get(model);
    if (h == null || !h.held().get(chunk)) {
      return;
    }
    h.held().clear(chunk);
    pendingDropped.computeIfAbsent(model, k -> new LinkedHashSet<>()).add(chunk);
    Set<Integer> hv = pendingHave.get(model);
    if (hv != null) {
      hv.remove(chunk);
    }
  }

  public boolean connected() {
    return connected;
  }

  /** The leader term last seen, or -1. */
  public synchronized long term() {
    return term;
  }

  public String nodeId() {
    return self.nodeId();
  }

  /**
   * How often the leader last asked nodes to report (it grows with the fleet); zero until a
   * leader said so, or when the session's own pace applies. Other periodic callers to the
   * tracker (the agent's neighbour refresh) follow it too.
   */
  public Duration leaderInterval() {
    return leaderInterval;
  }

  private void step() {
    try {
      if (!isRegistered()) {
        client.register(self.nodeId(), self.peerAddress(), self.zone(), self.capacityBytes());
        markRegistered();
        log.info("node {} registered with the tracker", self.nodeId());
      }
      long now = System.nanoTime();
      // The report first: after a leader change it re-announces at once, while a heartbeat
      // waits for the leader's next batch to commit.
      report(now);
      if (now - lastHeartbeatNanos >= timing.heartbeatInterval().toNanos()) {
        client.heartbeat(self.nodeId(), models());
        lastHeartbeatNanos = now;
      }
      if (!connected) {
        log.info("node {}: tracker reachable again", self.nodeId());
      }
      connected = true;
    } catch (TrackerException e) {
      if (e.code() == TrackerException.Code.UNKNOWN_NODE) {
        synchronized (this) {
          registered = false;
        }
      }
      if (connected || e.code() != TrackerException.Code.UNAVAILABLE) {
        log.warn("node {}: tracker call failed ({}): {}", self.nodeId(), e.code(), e.getMessage());
      }
      connected = e.code() != TrackerException.Code.UNAVAILABLE && connected;
    } catch (RuntimeException e) {
      log.error("node {}: tracker session step failed", self.nodeId(), e);
    }
  }

  /**
   * Sends one report (a ping carrying every pending announcement) when one is due: at once after
   * a registration or a term change (full bitfields), every {@code flushInterval} with deltas
   * pending, every {@code pingInterval} otherwise — each stretched to the leader's report interval
   * when it asks for a longer one (large fleets). A report that fails loses its deltas: the
   * models concerned are announced whole next time.
   */
  private void report(long now) throws TrackerException {
    long since = now - lastPingNanos;
    boolean due;
    synchronized (this) {
      due = !needFull.isEmpty()
          || since >= stretched(timing.pingInterval())
          || (!pendingHave.isEmpty() || !pendingDropped.isEmpty()) && since >= stretched(timing.flushInterval());
    }
    if (!due) {
      return;
    }
    long before = term();
    send(now);
    boolean again;
    synchronized (this) {
      again = term != before && !needFull.isEmpty();
    }
    if (again) {
      send(now); // a new leader with empty soft state: re-announce everything now
    }
  }

  private long stretched(Duration d) {
    return Math.max(d.toNanos(), leaderInterval.toNanos());
  }

  private void send(long now) throws TrackerException {
    List<TrackerClient.Announcement> list = new ArrayList<>();
    synchronized (this) {
      for (Digest model : needFull) {
        Holding h = holdings.get(model);
        if (h != null) {
          list.add(TrackerClient.Announcement.full(model, h.held(), h.chunkCount()));
        }
        pendingHave.remove(model); // the bitfield includes them
        pendingDropped.remove(model);
      }
      needFull.clear();
      Set<Digest> models = new LinkedHashSet<>(pendingHave.keySet());
      models.addAll(pendingDropped.keySet());
      for (Digest model : models) {
        list.add(TrackerClient.Announcement.delta(model, pendingHave.getOrDefault(model, Set.of()),
            pendingDropped.getOrDefault(model, Set.of())));
      }
      pendingHave.clear();
      pendingDropped.clear();
    }
    try {
      TrackerClient.ReportReply r = client.report(self.nodeId(), traffic.get(), list);
      lastPingNanos = now;
      leaderInterval = r.interval();
      observe(r.term());
    } catch (TrackerException e) {
      synchronized (this) {
        list.forEach(a -> needFull.add(a.model())); // the deltas are lost: resend the whole bitfields
      }
      throw e;
    }
  }

  /** A new term means a new leader with empty soft state: announce everything again. */
  private synchronized void observe(long newTerm) {
    if (newTerm != term) {
      if (term >= 0) {
        log.info("node {}: tracker leader term {} -> {}; re-announcing {} models", self.nodeId(), term, newTerm, holdings.size());
      }
      term = newTerm;
      needFull.addAll(holdings.keySet());
    }
  }

  private synchronized boolean isRegistered() {
    return registered;
  }

  private synchronized void markRegistered() {
    registered = true;
    needFull.addAll(holdings.keySet());
    lastHeartbeatNanos = 0;
  }

  private synchronized List<Digest> models() {
    return List.copyOf(holdings.keySet());
  }

  /** Stops talking to the tracker (the tracker forgets this node when its heartbeats stop). */
  @Override
  public void close() {
    loop.shutdownNow();
    try {
      loop.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
