package io.modelfs.tracker;

import io.modelfs.core.Digest;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's standing with the tracker: registers (again after expiry), sends durable heartbeats
 * with the models it holds, pings the leader for its term, and batches HAVE/DROPPED deltas
 * (flushed every {@code flushInterval}, default 1 s: per-chunk news travels between peers; the
 * tracker needs it for leases and waiters). It keeps the node's holdings itself, so when the
 * leader's term changes — a new leader with empty soft state — it re-announces everything.
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
  private final Map<Digest, Holding> holdings = new HashMap<>();
  private final Map<Digest, Set<Integer>> pendingHave = new HashMap<>();
  private final Map<Digest, Set<Integer>> pendingDropped = new HashMap<>();
  private final Set<Digest> needFull = new LinkedHashSet<>();
  private boolean registered;
  private long term = -1;
  private long lastPingNanos;
  private long lastHeartbeatNanos;
  private volatile boolean connected;

  private TrackerSession(TrackerClient client, Identity self, Timing timing) {
    this.client = client;
    this.self = self;
    this.timing = timing;
    this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tracker-session-" + self.nodeId());
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts the session; registration happens in the background and is retried. */
  public static TrackerSession start(TrackerClient client, Identity self, Timing timing) {
    TrackerSession s = new TrackerSession(client, self, timing);
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

  private void step() {
    try {
      if (!isRegistered()) {
        client.register(self.nodeId(), self.peerAddress(), self.zone(), self.capacityBytes());
        markRegistered();
        log.info("node {} registered with the tracker", self.nodeId());
      }
      long now = System.nanoTime();
      if (now - lastHeartbeatNanos >= timing.heartbeatInterval().toNanos()) {
        client.heartbeat(self.nodeId(), models());
        lastHeartbeatNanos = now;
      }
      if (now - lastPingNanos >= timing.pingInterval().toNanos()) {
        observe(client.ping(self.nodeId()));
        lastPingNanos = now;
      }
      flush();
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

  private void flush() throws TrackerException {
    for (Digest model : takeFull()) {
      Holding h;
      synchronized (this) {
        h = holdings.get(model);
        h = h == null ? null : new Holding(h.chunkCount(), (BitSet) h.held().clone());
      }
      if (h != null) {
        try {
          observe(client.announceAll(self.nodeId(), model, h.held(), h.chunkCount()));
        } catch (TrackerException e) {
          synchronized (this) {
            needFull.add(model);
          }
          throw e;
        }
      }
    }
    Map<Digest, Set<Integer>> have;
    Map<Digest, Set<Integer>> dropped;
    synchronized (this) {
      have = new HashMap<>(pendingHave);
      dropped = new HashMap<>(pendingDropped);
      pendingHave.clear();
      pendingDropped.clear();
    }
    Set<Digest> models = new LinkedHashSet<>(have.keySet());
    models.addAll(dropped.keySet());
    for (Digest model : models) {
      try {
        observe(client.announceDelta(self.nodeId(), model, have.getOrDefault(model, Set.of()), dropped.getOrDefault(model, Set.of())));
      } catch (TrackerException e) {
        synchronized (this) {
          needFull.add(model); // the deltas are lost: resend the whole bitfield
        }
        throw e;
      }
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

  private synchronized List<Digest> takeFull() {
    List<Digest> l = new ArrayList<>(needFull);
    needFull.clear();
    return l;
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
